/**
 * Workers scripts (multipart module upload, run in the emulator's Miniflare with their bindings) and
 * zone Workers routes (which requests at the edge go to which script).
 */
import { createHash } from 'node:crypto';
import type { Script, ScriptUpdateResponse } from 'cloudflare/resources/workers/scripts/scripts';
import type { RouteCreateResponse } from 'cloudflare/resources/workers/routes';
import type { LocalCloudflareCore } from '../core.ts';
import { CfApiError, Errors } from '../errors.ts';
import { hexId } from '../http.ts';
import type { Ctx, RouteDef } from '../router.ts';
import type { RouteRecord, ScriptBinding, ScriptModule, ScriptRecord } from '../state.ts';

const SCRIPTS_READ = ['Workers Scripts Read', 'Workers Scripts Write'];
const SCRIPTS_WRITE = ['Workers Scripts Write'];
const ROUTES_READ = ['Workers Routes Read', 'Workers Routes Write'];
const ROUTES_WRITE = ['Workers Routes Write'];
const S = '/accounts/{account_id}/workers/scripts';

export interface UploadMetadata {
  main_module?: string;
  body_part?: string;
  bindings?: ScriptBinding[];
  compatibility_date?: string;
  compatibility_flags?: string[];
  usage_model?: string;
  keep_bindings?: string[];
}

function moduleType(contentType: string, name: string): ScriptModule['type'] | undefined {
  const ct = contentType.split(';')[0]!.trim().toLowerCase();
  if (ct === 'application/javascript+module') return 'esm';
  if (ct === 'application/javascript' || ct === 'text/javascript') return name.endsWith('.mjs') ? 'esm' : 'cjs';
  if (ct === 'application/wasm') return 'wasm';
  if (ct === 'text/plain') return 'text';
  if (ct === 'application/octet-stream') return 'data';
  if (ct === 'application/source-map' || ct === 'application/json') return undefined;
  return name.endsWith('.js') || name.endsWith('.mjs') ? 'esm' : undefined;
}

function scriptView(s: ScriptRecord): Script & ScriptUpdateResponse {
  return {
    id: s.id,
    created_on: s.created_on,
    modified_on: s.modified_on,
    etag: s.etag,
    compatibility_date: s.compatibility_date,
    compatibility_flags: s.compatibility_flags,
    handlers: ['fetch'],
    has_assets: false,
    has_modules: true,
    logpush: false,
    startup_time_ms: 1,
    usage_model: s.usage_model as Script['usage_model'],
  };
}

/** Store (or replace) a script and run it; the previous version stays if the new one fails to start. */
export async function putScript(core: LocalCloudflareCore, name: string, meta: UploadMetadata, modules: ScriptModule[]): Promise<ScriptRecord> {
  if (!/^[a-z0-9]([a-z0-9_-]{0,62})$/.test(name)) throw Errors.workerValidation(`Invalid Worker name "${name}": use lowercase letters, digits, - and _.`);
  const main = meta.main_module ?? meta.body_part;
  if (!main) throw Errors.workerValidation('metadata.main_module is required (ES module Workers).');
  if (meta.body_part && !meta.main_module) throw Errors.workerValidation('Service-worker syntax (body_part) is not supported by the local Cloudflare; upload ES modules.');
  if (!modules.some((m) => m.name === main)) throw Errors.workerValidation(`main_module "${main}" is not among the uploaded parts.`);
  const bindings = meta.bindings ?? [];
  for (const b of bindings) {
    if (b.type === 'kv_namespace') {
      const id = String((b as { namespace_id?: string }).namespace_id ?? '');
      if (!core.store.data.kvNamespaces.some((n) => n.id === id)) throw Errors.workerValidation(`KV namespace '${id}' is not valid. [code: 10041]`);
    }
  }
  const now = core.isoNow();
  const existing = core.store.data.scripts.find((s) => s.id === name);
  const rec: ScriptRecord = {
    id: name,
    created_on: existing?.created_on ?? now,
    modified_on: now,
    etag: createHash('sha256').update(JSON.stringify({ meta, modules })).digest('hex'),
    main_module: main,
    modules,
    bindings,
    compatibility_date: meta.compatibility_date ?? '2025-01-01',
    compatibility_flags: meta.compatibility_flags ?? [],
    usage_model: meta.usage_model ?? 'standard',
  };
  const before = core.store.data.scripts;
  core.store.data.scripts = [...before.filter((s) => s.id !== name), rec];
  try {
    await core.syncRuntime();
  } catch (err) {
    core.store.data.scripts = before;
    throw err;
  }
  core.persist();
  return rec;
}

export function addRoute(core: LocalCloudflareCore, zoneId: string, pattern: string, script?: string): RouteRecord {
  if (!pattern || /\s/.test(pattern)) throw new CfApiError(400, { code: 10022, message: 'Invalid route pattern.' });
  if (core.store.data.routes.some((r) => r.zoneId === zoneId && r.pattern === pattern)) throw Errors.workerRouteExists();
  const rec: RouteRecord = { id: hexId(), zoneId, pattern, ...(script ? { script } : {}) };
  core.store.data.routes.push(rec);
  core.persist();
  return rec;
}

function routeView(r: RouteRecord): RouteCreateResponse {
  return { id: r.id, pattern: r.pattern, ...(r.script ? { script: r.script } : {}) };
}

async function upload(ctx: Ctx) {
  ctx.core.checkAccount(ctx.params.account_id);
  if (!/^multipart\/form-data/i.test(ctx.contentType)) throw Errors.workerValidation('Expected a multipart/form-data upload with a metadata part.');
  const form = await ctx.form();
  const metaPart = form.get('metadata');
  if (metaPart === null) throw Errors.workerValidation('Missing metadata part.');
  let meta: UploadMetadata;
  try {
    meta = JSON.parse(typeof metaPart === 'string' ? metaPart : await metaPart.text()) as UploadMetadata;
  } catch {
    throw Errors.workerValidation('metadata is not valid JSON.');
  }
  const modules: ScriptModule[] = [];
  for (const [field, value] of form.entries()) {
    if (field === 'metadata') continue;
    const blob = typeof value === 'string' ? new Blob([value], { type: 'application/javascript+module' }) : value;
    const name = typeof value === 'string' ? field : (value as File).name || field;
    const type = moduleType(blob.type, name);
    if (!type) continue;
    modules.push({ name, type, base64: Buffer.from(await blob.arrayBuffer()).toString('base64') });
  }
  // keep_bindings: carry over bindings of those types from the previous version (wrangler uses it for secrets).
  const prev = ctx.core.store.data.scripts.find((s) => s.id === ctx.params.script_name);
  if (prev && meta.keep_bindings?.length) {
    const names = new Set((meta.bindings ?? []).map((b) => b.name));
    meta.bindings = [...(meta.bindings ?? []), ...prev.bindings.filter((b) => meta.keep_bindings!.includes(b.type) && !names.has(b.name))];
  }
  const rec = await putScript(ctx.core, ctx.params.script_name!, meta, modules);
  return { result: scriptView(rec) };
}

export const workersRoutes: RouteDef[] = [
  { method: 'PUT', template: `${S}/{script_name}`, operation: 'workers.scripts.update', permissions: SCRIPTS_WRITE, handler: upload },
  {
    method: 'GET',
    template: S,
    operation: 'workers.scripts.list',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      ctx.core.checkAccount(ctx.params.account_id);
      return { result: ctx.core.store.data.scripts.map(scriptView) };
    },
  },
  {
    method: 'GET',
    template: `${S}/{script_name}`,
    operation: 'workers.scripts.get',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      ctx.core.checkAccount(ctx.params.account_id);
      const s = ctx.core.store.data.scripts.find((x) => x.id === ctx.params.script_name);
      if (!s) throw Errors.workerNotFound();
      const main = s.modules.find((m) => m.name === s.main_module)!;
      return { raw: { status: 200, headers: { 'content-type': 'application/javascript' }, body: Buffer.from(main.base64, 'base64') } };
    },
  },
  {
    method: 'GET',
    template: '/accounts/{account_id}/workers/services/{script_name}',
    operation: 'workers.services.get',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      ctx.core.checkAccount(ctx.params.account_id);
      const s = ctx.core.store.data.scripts.find((x) => x.id === ctx.params.script_name);
      if (!s) throw Errors.workerNotFound();
      return {
        result: {
          id: s.id,
          default_environment: { environment: 'production', created_on: s.created_on, modified_on: s.modified_on, script: scriptView(s) },
          created_on: s.created_on,
          modified_on: s.modified_on,
          environments: [{ environment: 'production', created_on: s.created_on, modified_on: s.modified_on }],
        },
      };
    },
  },
  {
    method: 'DELETE',
    template: `${S}/{script_name}`,
    operation: 'workers.scripts.delete',
    permissions: SCRIPTS_WRITE,
    handler: async (ctx) => {
      ctx.core.checkAccount(ctx.params.account_id);
      const name = ctx.params.script_name!;
      if (!ctx.core.store.data.scripts.some((s) => s.id === name)) throw Errors.workerNotFound();
      ctx.core.store.data.scripts = ctx.core.store.data.scripts.filter((s) => s.id !== name);
      await ctx.core.syncRuntime();
      ctx.core.persist();
      return { result: null };
    },
  },
  {
    method: 'GET',
    template: '/accounts/{account_id}/workers/subdomain',
    operation: 'workers.subdomains.get',
    permissions: SCRIPTS_READ,
    handler: () => ({ result: { subdomain: 'nextdeploy-local' } }),
  },
  // routes
  {
    method: 'GET',
    template: '/zones/{zone_id}/workers/routes',
    operation: 'workers.routes.list',
    permissions: ROUTES_READ,
    handler: (ctx) => {
      const zone = ctx.core.zone(ctx.params.zone_id!);
      return { result: ctx.core.store.data.routes.filter((r) => r.zoneId === zone.id).map(routeView) };
    },
  },
  {
    method: 'POST',
    template: '/zones/{zone_id}/workers/routes',
    operation: 'workers.routes.create',
    permissions: ROUTES_WRITE,
    handler: (ctx) => {
      const zone = ctx.core.zone(ctx.params.zone_id!);
      const body = ctx.json<{ pattern?: string; script?: string }>();
      return { result: routeView(addRoute(ctx.core, zone.id, String(body.pattern ?? ''), body.script)) };
    },
  },
  {
    method: 'GET',
    template: '/zones/{zone_id}/workers/routes/{route_id}',
    operation: 'workers.routes.get',
    permissions: ROUTES_READ,
    handler: (ctx) => {
      const zone = ctx.core.zone(ctx.params.zone_id!);
      const r = ctx.core.store.data.routes.find((x) => x.zoneId === zone.id && x.id === ctx.params.route_id);
      if (!r) throw Errors.workerRouteNotFound();
      return { result: routeView(r) };
    },
  },
  {
    method: 'PUT',
    template: '/zones/{zone_id}/workers/routes/{route_id}',
    operation: 'workers.routes.update',
    permissions: ROUTES_WRITE,
    handler: (ctx) => {
      const zone = ctx.core.zone(ctx.params.zone_id!);
      const r = ctx.core.store.data.routes.find((x) => x.zoneId === zone.id && x.id === ctx.params.route_id);
      if (!r) throw Errors.workerRouteNotFound();
      const body = ctx.json<{ pattern?: string; script?: string }>();
      if (body.pattern) r.pattern = body.pattern;
      if (body.script !== undefined) r.script = body.script || undefined;
      ctx.core.persist();
      return { result: routeView(r) };
    },
  },
  {
    method: 'DELETE',
    template: '/zones/{zone_id}/workers/routes/{route_id}',
    operation: 'workers.routes.delete',
    permissions: ROUTES_WRITE,
    handler: (ctx) => {
      const zone = ctx.core.zone(ctx.params.zone_id!);
      const r = ctx.core.store.data.routes.find((x) => x.zoneId === zone.id && x.id === ctx.params.route_id);
      if (!r) throw Errors.workerRouteNotFound();
      ctx.core.store.data.routes = ctx.core.store.data.routes.filter((x) => x !== r);
      ctx.core.persist();
      return { result: { id: r.id } };
    },
  },
];
