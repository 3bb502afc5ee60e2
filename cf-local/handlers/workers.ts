/**
 * Workers scripts (multipart module upload, run in the emulator's Miniflare with their bindings) and
 * zone Workers routes (which requests at the edge go to which script).
 */
import { createHash } from 'node:crypto';
import type { Script, ScriptUpdateResponse } from 'cloudflare/resources/workers/scripts/scripts';
import type { RouteCreateResponse } from 'cloudflare/resources/workers/routes';
import type { LocalCloudflareCore } from '../account-model.ts';
import { CfApiError, Errors } from '../errors.ts';
import { hexId } from '../http.ts';
import type { Ctx, RouteDef } from '../api-routes.ts';
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

function versionId(s: ScriptRecord): string {
  const h = s.etag.slice(0, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function versionView(core: LocalCloudflareCore, s: ScriptRecord) {
  return {
    id: versionId(s),
    number: 1,
    metadata: { author_email: core.userDetails().email, source: 'api', created_on: s.modified_on, modified_on: s.modified_on },
    annotations: { 'workers/triggered_by': 'upload' },
    resources: {
      bindings: s.bindings.map((b) => (b.type === 'secret_text' ? { type: b.type, name: b.name } : b)),
      script: { etag: s.etag, handlers: ['fetch'], last_deployed_from: 'api' },
      script_runtime: { compatibility_date: s.compatibility_date, compatibility_flags: s.compatibility_flags, usage_model: s.usage_model },
    },
  };
}

function scriptRouteView(core: LocalCloudflareCore, r: RouteRecord) {
  const zone = core.store.data.zones.find((z) => z.id === r.zoneId);
  return { id: r.id, pattern: r.pattern, script: r.script, zone_id: r.zoneId, zone_name: zone?.name };
}

function scriptOf(ctx: Ctx): ScriptRecord {
  ctx.core.checkAccount(ctx.params.account_id);
  const s = ctx.core.store.data.scripts.find((x) => x.id === ctx.params.script_name);
  if (!s) throw Errors.workerNotFound();
  return s;
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
  // `deployment_id`: the version now serving (wrangler prints it as "Current Version ID").
  return { result: { ...scriptView(rec), deployment_id: rec.etag.slice(0, 32) } };
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
  // secrets (wrangler lists them before a deploy, and puts them one by one)
  {
    method: 'GET',
    template: `${S}/{script_name}/secrets`,
    operation: 'workers.scripts.secrets.list',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      const s = scriptOf(ctx);
      return { result: s.bindings.filter((b) => b.type === 'secret_text').map((b) => ({ name: b.name, type: 'secret_text' })) };
    },
  },
  {
    method: 'PUT',
    template: `${S}/{script_name}/secrets`,
    operation: 'workers.scripts.secrets.update',
    permissions: SCRIPTS_WRITE,
    handler: async (ctx) => {
      const s = scriptOf(ctx);
      const body = ctx.json<{ name?: string; text?: string; type?: string }>();
      if (!body.name || typeof body.text !== 'string') throw Errors.workerValidation('A secret needs a name and a text.');
      const bindings = [...s.bindings.filter((b) => b.name !== body.name), { type: 'secret_text', name: body.name, text: body.text }];
      await putScript(ctx.core, s.id, { main_module: s.main_module, bindings, compatibility_date: s.compatibility_date, compatibility_flags: s.compatibility_flags, usage_model: s.usage_model }, s.modules);
      return { result: { name: body.name, type: 'secret_text' } };
    },
  },
  {
    method: 'GET',
    template: `${S}/{script_name}/subdomain`,
    operation: 'workers.scripts.subdomain.get',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      scriptOf(ctx);
      return { result: { enabled: false, previews_enabled: false } };
    },
  },
  {
    method: 'POST',
    template: `${S}/{script_name}/subdomain`,
    operation: 'workers.scripts.subdomain.create',
    permissions: SCRIPTS_WRITE,
    handler: (ctx) => {
      scriptOf(ctx);
      // workers.dev is not emulated: the edge serves Workers by zone routes only.
      return { result: { enabled: false, previews_enabled: false } };
    },
  },
  // deployments / versions: the current script is one version at 100 % (what wrangler reads before and after a deploy)
  {
    method: 'GET',
    template: `${S}/{script_name}/deployments`,
    operation: 'workers.scripts.deployments.list',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      const s = scriptOf(ctx);
      return {
        result: {
          deployments: [
            {
              id: versionId(s),
              source: 'api',
              strategy: 'percentage',
              author_email: ctx.core.userDetails().email,
              created_on: s.modified_on,
              annotations: { 'workers/triggered_by': 'upload' },
              versions: [{ version_id: versionId(s), percentage: 100 }],
            },
          ],
        },
      };
    },
  },
  {
    method: 'GET',
    template: `${S}/{script_name}/versions/{version_id}`,
    operation: 'workers.scripts.versions.get',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      const s = scriptOf(ctx);
      if (ctx.params.version_id !== versionId(s)) throw new CfApiError(404, { code: 10220, message: 'Version not found.' });
      return { result: versionView(ctx.core, s) };
    },
  },
  {
    method: 'GET',
    template: `${S}/{script_name}/versions`,
    operation: 'workers.scripts.versions.list',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      const s = scriptOf(ctx);
      return { result: { items: [versionView(ctx.core, s)] } };
    },
  },
  // routes of one script across zones (wrangler deploy: PUT replaces them)
  {
    method: 'GET',
    template: `${S}/{script_name}/routes`,
    operation: 'workers.scripts.routes.list',
    permissions: ROUTES_READ,
    handler: (ctx) => {
      const s = scriptOf(ctx);
      return { result: ctx.core.store.data.routes.filter((r) => r.script === s.id).map((r) => scriptRouteView(ctx.core, r)) };
    },
  },
  {
    method: 'PUT',
    template: `${S}/{script_name}/routes`,
    operation: 'workers.scripts.routes.update',
    permissions: ROUTES_WRITE,
    handler: (ctx) => {
      const s = scriptOf(ctx);
      const wanted = ctx.json<Array<{ pattern?: string; zone_id?: string; zone_name?: string; custom_domain?: boolean }>>();
      if (!Array.isArray(wanted)) throw new CfApiError(400, { code: 10022, message: 'Expected an array of routes.' });
      const resolved = wanted.map((w) => {
        const pattern = String(w.pattern ?? '');
        if (w.custom_domain) throw new CfApiError(400, { code: 10022, message: 'Custom domains for Workers are not emulated; use a route pattern.' });
        const host = pattern.replace(/^https?:\/\//, '').split('/')[0]!.replace(/^\*\.?/, '');
        const zone = ctx.core.store.data.zones.find((z) => (w.zone_id ? z.id === w.zone_id : w.zone_name ? z.name === w.zone_name : host === z.name || host.endsWith(`.${z.name}`)));
        if (!zone) throw new CfApiError(400, { code: 10022, message: `Could not find a zone for route pattern "${pattern}".` });
        return { pattern, zoneId: zone.id };
      });
      const d = ctx.core.store.data;
      d.routes = d.routes.filter((r) => r.script !== s.id && !resolved.some((x) => x.pattern === r.pattern && x.zoneId === r.zoneId));
      const added = resolved.map((x) => ({ id: hexId(), zoneId: x.zoneId, pattern: x.pattern, script: s.id }));
      d.routes.push(...added);
      ctx.core.persist();
      return { result: added.map((r) => scriptRouteView(ctx.core, r)) };
    },
  },
  {
    method: 'GET',
    template: `${S}/{script_name}/settings`,
    operation: 'workers.scripts.scriptAndVersionSettings.get',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      const s = scriptOf(ctx);
      return {
        result: {
          bindings: versionView(ctx.core, s).resources.bindings,
          compatibility_date: s.compatibility_date,
          compatibility_flags: s.compatibility_flags,
          usage_model: s.usage_model,
          logpush: false,
          tail_consumers: [],
          placement: {},
          observability: { enabled: false },
          tags: [],
        },
      };
    },
  },
  {
    method: 'GET',
    template: '/accounts/{account_id}/workers/workers/{script_name}',
    operation: 'workers.beta.workers.get',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      const s = scriptOf(ctx);
      return {
        result: {
          id: s.id,
          name: s.id,
          created_on: s.created_on,
          updated_on: s.modified_on,
          logpush: false,
          observability: { enabled: false },
          subdomain: { enabled: false, previews_enabled: false },
          tags: [],
          tail_consumers: [],
        },
      };
    },
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
