/**
 * Workers KV over REST, backed by Miniflare's KV storage (the same store a Worker bound to the
 * namespace id reads): namespaces, values with metadata/expiration, bulk write/delete/get, keys list
 * with prefix and cursor.
 */
import type { Namespace } from 'cloudflare/resources/kv/namespaces/namespaces';
import type { Key } from 'cloudflare/resources/kv/namespaces/keys';
import type { LocalCloudflareCore } from '../account-model.ts';
import { CfApiError, Errors } from '../errors.ts';
import { hexId } from '../http.ts';
import { paginate, type Ctx, type RouteDef } from '../api-routes.ts';

const READ = ['Workers KV Storage Read', 'Workers KV Storage Write'];
const WRITE = ['Workers KV Storage Write'];
const BASE = '/accounts/{account_id}/storage/kv/namespaces';

/** Limits: developers.cloudflare.com/kv/platform/limits (key 512 bytes, value 25 MiB, metadata 1024 bytes). */
const MAX_KEY = 512;
const MAX_VALUE = 25 * 1024 * 1024;
const MAX_METADATA = 1024;

function namespace(ctx: Ctx): Namespace {
  ctx.core.checkAccount(ctx.params.account_id);
  const ns = ctx.core.store.data.kvNamespaces.find((n) => n.id === ctx.params.namespace_id);
  if (!ns) throw Errors.kvNamespaceNotFound();
  return ns;
}

function checkKey(key: string): void {
  const len = Buffer.byteLength(key, 'utf8');
  if (len > MAX_KEY) throw Errors.kvKeyTooLong(len);
  if (key === '' || key === '.' || key === '..') throw new CfApiError(400, { code: 10019, message: `Illegal key name "${key}".` });
}

function checkExpiration(expiration: number | undefined, ttl: number | undefined, now: number): { expiration?: number; expirationTtl?: number } {
  const out: { expiration?: number; expirationTtl?: number } = {};
  // Messages as the KV service words them (Miniflare mirrors them from production).
  if (ttl !== undefined) {
    if (!Number.isFinite(ttl) || ttl < 60) throw Errors.kvInvalidExpiration(`Invalid expiration_ttl of ${ttl}. Expiration TTL must be at least 60.`);
    out.expirationTtl = Math.floor(ttl);
  } else if (expiration !== undefined) {
    if (!Number.isFinite(expiration) || expiration <= Math.floor(now / 1000) + 59)
      throw Errors.kvInvalidExpiration(`Invalid expiration of ${expiration}. Expiration times must be at least 60 seconds in the future.`);
    out.expiration = Math.floor(expiration);
  }
  return out;
}

function checkMetadata(metadata: unknown): void {
  if (metadata === undefined) return;
  const len = Buffer.byteLength(JSON.stringify(metadata));
  if (len > MAX_METADATA) throw Errors.kvMetadataTooLarge(len);
}

function numParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw Errors.kvInvalidExpiration(`Invalid ${name} of ${v}.`);
  return n;
}

/** Map a Miniflare KV failure ("KV PUT failed: 414 UTF-8 encoded length …") to the API's error. */
function mapKvError(err: unknown): never {
  if (err instanceof CfApiError) throw err;
  const msg = err instanceof Error ? err.message : String(err);
  const m = /KV \w+ failed: (\d{3}) (.*)$/s.exec(msg);
  if (m) {
    const status = Number(m[1]);
    const text = m[2]!.trim();
    if (status === 414) throw new CfApiError(414, { code: 10019, message: text });
    if (status === 413) throw new CfApiError(413, { code: 10011, message: text });
    throw new CfApiError(status, { code: 10001, message: text });
  }
  throw new CfApiError(500, { code: 10001, message: msg });
}

function bracketFields(form: FormData, root: string): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  for (const [name, value] of form.entries()) {
    if (!name.startsWith(`${root}[`) || typeof value !== 'string') continue;
    const path = [...name.slice(root.length).matchAll(/\[([^\]]*)\]/g)].map((x) => x[1]!);
    out ??= {};
    let node: Record<string, unknown> = out;
    path.forEach((seg, i) => {
      if (i === path.length - 1) node[seg] = value;
      else node = (node[seg] ??= {}) as Record<string, unknown>;
    });
  }
  return out;
}

async function kvOf(core: LocalCloudflareCore, id: string) {
  return core.runtime.kv(id);
}

export const kvRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: BASE,
    operation: 'kv.namespaces.list',
    permissions: READ,
    handler: (ctx) => {
      ctx.core.checkAccount(ctx.params.account_id);
      const order = ctx.query.get('order') ?? 'id';
      const dir = ctx.query.get('direction') === 'desc' ? -1 : 1;
      const list = [...ctx.core.store.data.kvNamespaces].sort((a, b) => {
        const ka = order === 'title' ? a.title : a.id;
        const kb = order === 'title' ? b.title : b.id;
        return ka < kb ? -dir : ka > kb ? dir : 0;
      });
      return paginate(list, ctx.query, 20, 100);
    },
  },
  {
    method: 'POST',
    template: BASE,
    operation: 'kv.namespaces.create',
    permissions: WRITE,
    handler: async (ctx) => {
      ctx.core.checkAccount(ctx.params.account_id);
      const { title } = ctx.json<{ title?: string }>();
      if (typeof title !== 'string' || title.trim() === '') throw new CfApiError(400, { code: 10019, message: 'title is required' });
      if (ctx.core.store.data.kvNamespaces.some((n) => n.title === title)) throw Errors.kvNamespaceTitleExists();
      const ns: Namespace = { id: hexId(), title, supports_url_encoding: true };
      ctx.core.store.data.kvNamespaces.push(ns);
      await ctx.core.syncRuntime();
      ctx.core.persist();
      return { result: ns };
    },
  },
  {
    method: 'GET',
    template: `${BASE}/{namespace_id}`,
    operation: 'kv.namespaces.get',
    permissions: READ,
    handler: (ctx) => ({ result: namespace(ctx) }),
  },
  {
    method: 'PUT',
    template: `${BASE}/{namespace_id}`,
    operation: 'kv.namespaces.update',
    permissions: WRITE,
    handler: (ctx) => {
      const ns = namespace(ctx);
      const { title } = ctx.json<{ title?: string }>();
      if (typeof title !== 'string' || title === '') throw new CfApiError(400, { code: 10019, message: 'title is required' });
      if (ctx.core.store.data.kvNamespaces.some((n) => n.title === title && n.id !== ns.id)) throw Errors.kvNamespaceTitleExists();
      ns.title = title;
      ctx.core.persist();
      return { result: ns };
    },
  },
  {
    method: 'DELETE',
    template: `${BASE}/{namespace_id}`,
    operation: 'kv.namespaces.delete',
    permissions: WRITE,
    handler: async (ctx) => {
      const ns = namespace(ctx);
      // Empty it first so a namespace re-created with the same id would not see old data.
      const kv = await kvOf(ctx.core, ns.id);
      let cursor: string | undefined;
      do {
        const page = await kv.list(cursor ? { cursor } : {});
        await Promise.all(page.keys.map((k) => kv.delete(k.name)));
        cursor = page.list_complete ? undefined : page.cursor;
      } while (cursor);
      ctx.core.store.data.kvNamespaces = ctx.core.store.data.kvNamespaces.filter((n) => n !== ns);
      await ctx.core.syncRuntime();
      ctx.core.persist();
      return { result: {} };
    },
  },
  {
    method: 'PUT',
    template: `${BASE}/{namespace_id}/values/{key_name}`,
    operation: 'kv.namespaces.values.update',
    permissions: WRITE,
    handler: async (ctx) => {
      const ns = namespace(ctx);
      const key = ctx.params.key_name!;
      checkKey(key);
      let value: Uint8Array;
      let metadata: unknown;
      if (/^multipart\/form-data/i.test(ctx.contentType)) {
        const form = await ctx.form();
        const v = form.get('value');
        if (v === null) throw new CfApiError(400, { code: 10019, message: 'value is required' });
        value = typeof v === 'string' ? Buffer.from(v, 'utf8') : new Uint8Array(await v.arrayBuffer());
        const m = form.get('metadata');
        if (m === null) {
          // The SDK (7.x) sends a metadata object as bracketed form fields (`metadata[version]=v1`)
          // rather than one JSON part: reassemble it (values arrive as strings).
          const nested = bracketFields(form, 'metadata');
          if (nested !== undefined) metadata = nested;
        }
        if (m !== null) {
          const text = typeof m === 'string' ? m : await m.text();
          try {
            metadata = JSON.parse(text);
          } catch {
            throw new CfApiError(400, { code: 10026, message: 'metadata must be valid JSON' });
          }
        }
      } else {
        value = ctx.raw;
      }
      if (value.byteLength > MAX_VALUE) throw Errors.kvValueTooLarge(value.byteLength);
      checkMetadata(metadata);
      const exp = checkExpiration(numParam(ctx.query, 'expiration'), numParam(ctx.query, 'expiration_ttl'), ctx.core.now());
      const kv = await kvOf(ctx.core, ns.id);
      try {
        await kv.put(key, value, { ...exp, ...(metadata !== undefined ? { metadata } : {}) });
      } catch (err) {
        mapKvError(err);
      }
      return { result: {} };
    },
  },
  {
    method: 'GET',
    template: `${BASE}/{namespace_id}/values/{key_name}`,
    operation: 'kv.namespaces.values.get',
    permissions: READ,
    handler: async (ctx) => {
      const ns = namespace(ctx);
      const key = ctx.params.key_name!;
      checkKey(key);
      const kv = await kvOf(ctx.core, ns.id);
      const { value, metadata } = await kv.getWithMetadata(key, { type: 'arrayBuffer' }).catch(mapKvError);
      if (value === null) throw Errors.kvKeyNotFound();
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
      if (metadata !== null && metadata !== undefined) headers['cf-kv-metadata'] = JSON.stringify(metadata);
      return { raw: { status: 200, headers, body: Buffer.from(value) } };
    },
  },
  {
    method: 'DELETE',
    template: `${BASE}/{namespace_id}/values/{key_name}`,
    operation: 'kv.namespaces.values.delete',
    permissions: WRITE,
    handler: async (ctx) => {
      const ns = namespace(ctx);
      const key = ctx.params.key_name!;
      checkKey(key);
      await (await kvOf(ctx.core, ns.id)).delete(key).catch(mapKvError);
      return { result: {} };
    },
  },
  {
    method: 'GET',
    template: `${BASE}/{namespace_id}/metadata/{key_name}`,
    operation: 'kv.namespaces.metadata.get',
    permissions: READ,
    handler: async (ctx) => {
      const ns = namespace(ctx);
      const key = ctx.params.key_name!;
      checkKey(key);
      const { value, metadata } = await (await kvOf(ctx.core, ns.id)).getWithMetadata(key, { type: 'arrayBuffer' }).catch(mapKvError);
      if (value === null) throw Errors.kvKeyNotFound();
      return { result: metadata ?? null };
    },
  },
  {
    method: 'GET',
    template: `${BASE}/{namespace_id}/keys`,
    operation: 'kv.namespaces.keys.list',
    permissions: READ,
    handler: async (ctx) => {
      const ns = namespace(ctx);
      const limitRaw = ctx.query.get('limit');
      const limit = limitRaw === null ? 1000 : Number(limitRaw);
      // The API takes 10..1000 (developers.cloudflare.com/api: "limit ... minimum 10, maximum 1000").
      if (!Number.isInteger(limit) || limit < 10 || limit > 1000)
        throw new CfApiError(400, { code: 10025, message: `Invalid key_count_limit of ${limitRaw}. Please specify an integer between 10 and 1000.` });
      const prefix = ctx.query.get('prefix') ?? undefined;
      const cursor = ctx.query.get('cursor') || undefined;
      const page = await (await kvOf(ctx.core, ns.id))
        .list({ limit, ...(prefix ? { prefix } : {}), ...(cursor ? { cursor } : {}) })
        .catch(mapKvError);
      const keys: Key[] = page.keys.map((k) => {
        const key: Key = { name: k.name };
        if (k.expiration !== undefined) key.expiration = k.expiration;
        if (k.metadata !== undefined) key.metadata = k.metadata;
        return key;
      });
      return { result: keys, result_info: { count: keys.length, cursor: page.list_complete ? '' : (page.cursor ?? '') } };
    },
  },
  {
    method: 'PUT',
    template: `${BASE}/{namespace_id}/bulk`,
    operation: 'kv.namespaces.bulkUpdate',
    permissions: WRITE,
    handler: async (ctx) => {
      const ns = namespace(ctx);
      const items = ctx.json<Array<{ key: string; value: string; base64?: boolean; expiration?: number; expiration_ttl?: number; metadata?: unknown }>>();
      if (!Array.isArray(items)) throw new CfApiError(400, { code: 10019, message: 'request body must be an array of key-value pairs' });
      if (items.length > 10_000) throw new CfApiError(400, { code: 10019, message: 'too many key-value pairs (max 10000)' });
      // Validate everything before writing anything: a bad item fails the request and nothing changes.
      const prepared = items.map((it, i) => {
        if (typeof it?.key !== 'string') throw new CfApiError(400, { code: 10019, message: `key at index ${i} is missing` });
        if (typeof it.value !== 'string') throw new CfApiError(400, { code: 10019, message: `value at index ${i} must be a string` });
        checkKey(it.key);
        const value = it.base64 ? Buffer.from(it.value, 'base64') : Buffer.from(it.value, 'utf8');
        if (value.length > MAX_VALUE) throw Errors.kvValueTooLarge(value.length);
        checkMetadata(it.metadata);
        const exp = checkExpiration(it.expiration, it.expiration_ttl, ctx.core.now());
        return { key: it.key, value, opts: { ...exp, ...(it.metadata !== undefined ? { metadata: it.metadata } : {}) } };
      });
      const kv = await kvOf(ctx.core, ns.id);
      for (const p of prepared) await kv.put(p.key, p.value, p.opts).catch(mapKvError);
      return { result: { successful_key_count: prepared.length, unsuccessful_keys: [] } };
    },
  },
  ...(['POST:/bulk/delete', 'DELETE:/bulk'] as const).map((spec): RouteDef => {
    const [method, suffix] = spec.split(':') as ['POST' | 'DELETE', string];
    return {
      method,
      template: `${BASE}/{namespace_id}${suffix}`,
      operation: method === 'POST' ? 'kv.namespaces.bulkDelete' : 'kv.namespaces.bulkDeleteLegacy',
      permissions: WRITE,
      handler: async (ctx) => {
        const ns = namespace(ctx);
        const keys = ctx.json<string[]>();
        if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string')) throw new CfApiError(400, { code: 10019, message: 'request body must be an array of keys' });
        keys.forEach(checkKey);
        const kv = await kvOf(ctx.core, ns.id);
        for (const k of keys) await kv.delete(k).catch(mapKvError);
        return { result: { successful_key_count: keys.length, unsuccessful_keys: [] } };
      },
    };
  }),
  {
    method: 'POST',
    template: `${BASE}/{namespace_id}/bulk/get`,
    operation: 'kv.namespaces.bulkGet',
    permissions: READ,
    mutates: false,
    handler: async (ctx) => {
      const ns = namespace(ctx);
      const body = ctx.json<{ keys?: string[]; type?: 'text' | 'json'; withMetadata?: boolean }>();
      if (!Array.isArray(body.keys) || body.keys.length > 100) throw new CfApiError(400, { code: 10019, message: 'keys must be an array of at most 100 keys' });
      body.keys.forEach(checkKey);
      const kv = await kvOf(ctx.core, ns.id);
      const values: Record<string, unknown> = {};
      // One binding call for all keys, as the API reads them in one go.
      const found = body.keys.length ? await kv.getWithMetadata(body.keys, { type: 'text' }).catch(mapKvError) : new Map();
      for (const k of body.keys) {
        const { value: text = null, metadata = null } = found.get(k) ?? {};
        let v: unknown = text;
        if (text !== null && body.type === 'json') {
          try {
            v = JSON.parse(text);
          } catch {
            throw new CfApiError(400, { code: 10019, message: `value of key "${k}" is not JSON` });
          }
        }
        values[k] = body.withMetadata ? (v === null ? null : { value: v, metadata: metadata ?? null }) : v;
      }
      return { result: { values } };
    },
  },
];
