/**
 * The Workers model: scripts (stored and run in the emulator's Miniflare with their bindings) and
 * zone routes (which requests at the edge go to which script). The HTTP routes are handlers/workers-*.ts.
 */
import { createHash } from 'node:crypto';
import type { AccountModel } from '../account-model.ts';
import { CfApiError, Errors } from '../errors.ts';
import { hexId } from '../http.ts';
import { findKvNamespace } from '../kv/namespaces.ts';
import type { RouteRecord, ScriptBinding, ScriptModule, ScriptRecord, WorkerVersionRecord } from '../state.ts';
import { removeScriptDomains } from './custom-domains.ts';
import { activeDeployment, commitVersion, findVersion, makeVersion } from './versions.ts';

/** The `metadata` part of a script upload, as wrangler and the SDK send it. */

export interface UploadMetadata {
  main_module?: string;
  body_part?: string;
  bindings?: ScriptBinding[];
  compatibility_date?: string;
  compatibility_flags?: string[];
  usage_model?: string;
  keep_bindings?: string[];
}


/** The module type of one upload part, from its content type or file name; undefined = not a module. */
export function moduleType(contentType: string, name: string): ScriptModule['type'] | undefined {
  const ct = contentType.split(';')[0]!.trim().toLowerCase();
  if (ct === 'application/javascript+module') return 'esm';
  if (ct === 'application/javascript' || ct === 'text/javascript') return name.endsWith('.mjs') ? 'esm' : 'cjs';
  if (ct === 'application/wasm') return 'wasm';
  if (ct === 'text/plain') return 'text';
  if (ct === 'application/octet-stream') return 'data';
  if (ct === 'application/source-map' || ct === 'application/json') return undefined;
  return name.endsWith('.js') || name.endsWith('.mjs') ? 'esm' : undefined;
}

/**
 * Store (or replace) a script and run it, as a new version deployed at 100 % (`version` when the
 * caller built it from an upload with assets; else one is made here, keeping the live version's
 * assets, as a secret change does). The previous version stays if the new one fails to start.
 */
export async function putScript(
  account: AccountModel,
  name: string,
  meta: UploadMetadata,
  modules: ScriptModule[],
  version?: WorkerVersionRecord,
  // Who made the version made here: a secret change is `triggered_by: secret` (wrangler lists it as "Secret Change").
  origin: { source: string; triggeredBy: string } = { source: 'api', triggeredBy: 'upload' },
): Promise<ScriptRecord> {
  if (!/^[a-z0-9]([a-z0-9_-]{0,62})$/.test(name)) throw Errors.workerValidation(`Invalid Worker name "${name}": use lowercase letters, digits, - and _.`);
  const main = meta.main_module ?? meta.body_part;
  if (!main) throw Errors.workerValidation('metadata.main_module is required (ES module Workers).');
  if (meta.body_part && !meta.main_module) throw Errors.workerValidation('Service-worker syntax (body_part) is not supported by the local Cloudflare; upload ES modules.');
  if (!modules.some((m) => m.name === main)) throw Errors.workerValidation(`main_module "${main}" is not among the uploaded parts.`);
  const bindings = meta.bindings ?? [];
  for (const b of bindings) {
    if (b.type === 'kv_namespace') {
      const id = String((b as { namespace_id?: string }).namespace_id ?? '');
      if (!findKvNamespace(account, id)) throw Errors.workerValidation(`KV namespace '${id}' is not valid. [code: 10041]`);
    }
  }
  const now = account.isoNow();
  const existing = findScript(account, name);
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
    // Non-versioned: an upload keeps them (the script-settings route changes them).
    ...(existing?.settings ? { settings: existing.settings } : {}),
  };
  const live = liveVersion(account, name);
  const v =
    version ??
    makeVersion(account, {
      script: name,
      source: origin.source,
      annotations: { 'workers/triggered_by': origin.triggeredBy },
      main_module: main,
      modules,
      bindings,
      compatibility_date: rec.compatibility_date,
      compatibility_flags: rec.compatibility_flags,
      ...(live?.assets ? { assets: live.assets } : {}),
    });
  // The script's own unit serves zone routes without a deployment split; its assets are this version's.
  rec.bindings = bindings.map((b) => (b.type === 'assets' ? { ...b, version_id: v.id } : b));
  const before = account.store.data.scripts;
  account.store.data.scripts = [...before.filter((s) => s.id !== name), rec];
  try {
    await commitVersion(account, v, { source: v.source, strategy: 'percentage', annotations: { 'workers/triggered_by': v.annotations['workers/triggered_by'] ?? 'upload' }, versions: [{ version_id: v.id, percentage: 100 }] });
  } catch (err) {
    account.store.data.scripts = before;
    throw err;
  }
  account.persist();
  return rec;
}

/** The version serving most of a script's traffic. */
export function liveVersion(account: AccountModel, script: string): WorkerVersionRecord | undefined {
  const dep = activeDeployment(account, script);
  const top = dep && [...dep.versions].sort((a, b) => b.percentage - a.percentage)[0];
  return top && findVersion(account, script, top.version_id);
}

export function addRoute(account: AccountModel, zoneId: string, pattern: string, script?: string): RouteRecord {
  if (!pattern || /\s/.test(pattern)) throw new CfApiError(400, { code: 10022, message: 'Invalid route pattern.' });
  if (account.store.data.routes.some((r) => r.zoneId === zoneId && r.pattern === pattern)) throw Errors.workerRouteExists();
  const rec: RouteRecord = { id: hexId(), zoneId, pattern, ...(script ? { script } : {}) };
  account.store.data.routes.push(rec);
  account.persist();
  return rec;
}

export function listScripts(account: AccountModel): readonly ScriptRecord[] {
  return account.store.data.scripts;
}

export function findScript(account: AccountModel, name: string): ScriptRecord | undefined {
  return account.store.data.scripts.find((s) => s.id === name);
}

/**
 * Forgets the script and stops running it; its routes stay (the edge skips a route whose script is
 * not running), its custom domains and their DNS records go.
 */
export async function removeScript(account: AccountModel, name: string): Promise<void> {
  removeScriptDomains(account, name);
  const d = account.store.data;
  d.scripts = d.scripts.filter((s) => s.id !== name);
  d.workerVersions = d.workerVersions.filter((v) => v.script !== name);
  d.workerDeployments = d.workerDeployments.filter((x) => x.script !== name);
  delete d.scriptSubdomains[name];
  await account.syncRuntime();
  account.persist();
}

/** Routes of a zone, or (with `script`) of one script across zones. */
export function listRoutes(account: AccountModel, by: { zoneId?: string; script?: string }): RouteRecord[] {
  return account.store.data.routes.filter((r) => (by.zoneId === undefined || r.zoneId === by.zoneId) && (by.script === undefined || r.script === by.script));
}

export function findRoute(account: AccountModel, zoneId: string, routeId: string): RouteRecord | undefined {
  return account.store.data.routes.find((r) => r.zoneId === zoneId && r.id === routeId);
}

export function updateRoute(account: AccountModel, r: RouteRecord, patch: { pattern?: string; script?: string }): RouteRecord {
  if (patch.pattern) r.pattern = patch.pattern;
  if (patch.script !== undefined) r.script = patch.script || undefined;
  account.persist();
  return r;
}

export function removeRoute(account: AccountModel, r: RouteRecord): void {
  account.store.data.routes = account.store.data.routes.filter((x) => x !== r);
  account.persist();
}

/**
 * wrangler deploy's PUT of a script's routes: the script's old routes go, and so does any other
 * route on one of the new patterns (a pattern belongs to one script).
 */
export function replaceScriptRoutes(account: AccountModel, script: string, wanted: Array<{ pattern: string; zoneId: string }>): RouteRecord[] {
  const d = account.store.data;
  d.routes = d.routes.filter((r) => r.script !== script && !wanted.some((x) => x.pattern === r.pattern && x.zoneId === r.zoneId));
  const added = wanted.map((x) => ({ id: hexId(), zoneId: x.zoneId, pattern: x.pattern, script }));
  d.routes.push(...added);
  account.persist();
  return added;
}
