/**
 * Workers KV values over REST: values with metadata/expiration, bulk write/delete/get, keys list
 * with prefix and cursor.
 */
import type { Key } from 'cloudflare/resources/kv/namespaces/keys';
import { CfApiError, Errors } from '../errors.ts';
import type { RouteDef } from '../api-routes.ts';
import { bracketFields, checkExpiration, checkKey, checkMetadata, kvOf, mapKvError, MAX_VALUE, numParam } from '../kv/rules.ts';
import { BASE, READ, WRITE, namespace } from './kv-namespaces.ts';

/** Values, metadata, keys and bulk operations of one namespace. */
export const kvValueRoutes: RouteDef[] = [
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
      const exp = checkExpiration(numParam(ctx.query, 'expiration'), numParam(ctx.query, 'expiration_ttl'), ctx.account.now());
      const kv = await kvOf(ctx.account, ns.id);
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
      const kv = await kvOf(ctx.account, ns.id);
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
      await (await kvOf(ctx.account, ns.id)).delete(key).catch(mapKvError);
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
      const { value, metadata } = await (await kvOf(ctx.account, ns.id)).getWithMetadata(key, { type: 'arrayBuffer' }).catch(mapKvError);
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
      const page = await (await kvOf(ctx.account, ns.id))
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
        const exp = checkExpiration(it.expiration, it.expiration_ttl, ctx.account.now());
        return { key: it.key, value, opts: { ...exp, ...(it.metadata !== undefined ? { metadata: it.metadata } : {}) } };
      });
      const kv = await kvOf(ctx.account, ns.id);
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
        const kv = await kvOf(ctx.account, ns.id);
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
      const kv = await kvOf(ctx.account, ns.id);
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
