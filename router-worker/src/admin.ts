import { activeRecordSchema, buildActiveRecord, kvKeys, versionsListSchema, type ActiveRecord, type VersionEntry } from '../../core/kv-records.ts';
import { appNameSchema, formatZodIssues, metadataSchema, versionSchema } from '../../core/metadata.ts';
import { refuseUnauthorized } from './admin-auth.ts';
import type { RouterConfig } from './config.ts';
import { failure, RouterFailure } from './failures.ts';
import { parseJson } from './json.ts';
import { invalidateApp } from './lookup.ts';

/** Path prefix of the admin API; requests under it never reach an app. */
export const ADMIN_PREFIX = '/__admin/';

/**
 * `POST /__admin/switch?app=&version=` makes a version live (one write of `${app}:active`,
 * built by the same buildActiveRecord as the deploy workflow's flip), then marks it `live` and
 * the old one `retired` in `${app}:versions`. `GET /__admin/versions?app=` lists versions and
 * the live one. Both need `Authorization: Bearer <ADMIN_TOKEN>`.
 */
export async function handleAdmin(request: Request, url: URL, env: Env, config: RouterConfig): Promise<Response> {
  try {
    return await routeAdminRequest(request, url, env, config);
  } catch (error) {
    // KV reads failing (an outage): nothing was written, the caller may retry.
    console.error(`nextdeploy-router: admin ${url.pathname} failed: ${String(error)}`);
    return failure(503, RouterFailure.routesUnavailable, 'Service unavailable: Workers KV could not be read; nothing changed, retry shortly.', { 'retry-after': '5' });
  }
}

async function routeAdminRequest(request: Request, url: URL, env: Env, config: RouterConfig): Promise<Response> {
  const refusal = await refuseUnauthorized(request, env.ADMIN_TOKEN);
  if (refusal !== null) return refusal;
  const action = url.pathname.slice(ADMIN_PREFIX.length);
  const method = action === 'switch' ? 'POST' : action === 'versions' ? 'GET' : null;
  if (method === null) return failure(404, RouterFailure.notFound, 'Not found: the admin API has /__admin/switch and /__admin/versions.');
  if (request.method !== method) return failure(405, RouterFailure.methodNotAllowed, `Method not allowed: use ${method}.`, { allow: method });
  const app = appNameSchema.safeParse(url.searchParams.get('app') ?? '');
  if (!app.success) return failure(400, RouterFailure.badRequest, `Bad request: ?app= ${app.error.issues[0]!.message}`);
  const state = await readAppState(env.ROUTES, app.data);
  if (state instanceof Response) return state;
  if (action === 'versions') return listVersions(app.data, state);
  const version = versionSchema.safeParse(url.searchParams.get('version') ?? '');
  if (!version.success) return failure(400, RouterFailure.badRequest, `Bad request: ?version= ${version.error.issues[0]!.message}`);
  return switchVersion(env.ROUTES, app.data, version.data, state, actorOf(request), config);
}

interface AppState {
  versions: VersionEntry[] | null;
  /** The current active record, or null when there is none or it is unreadable. */
  active: ActiveRecord | null;
}

async function readAppState(kv: KVNamespace, app: string): Promise<AppState | Response> {
  const [versionsRaw, activeRaw] = await Promise.all([kv.get(kvKeys.versions(app), 'text'), kv.get(kvKeys.active(app), 'text')]);
  let versions: VersionEntry[] | null = null;
  if (versionsRaw !== null) {
    const parsed = versionsListSchema.safeParse(parseJson(versionsRaw));
    if (!parsed.success) return failure(502, RouterFailure.recordCorrupt, `Bad gateway: ${kvKeys.versions(app)} is unreadable: ${formatZodIssues(parsed.error).slice(0, 3).join('; ')}`);
    versions = parsed.data;
  }
  // An unreadable active record must not block the switch that repairs it.
  const active = activeRaw === null ? null : activeRecordSchema.safeParse(parseJson(activeRaw));
  return { versions, active: active?.success && active.data.app === app ? active.data : null };
}

function listVersions(app: string, state: AppState): Response {
  if (state.versions === null && state.active === null) return failure(404, RouterFailure.appNotFound, `Not found: no versions for app "${app}".`);
  const live = state.active?.version ?? null;
  return Response.json({
    app,
    live,
    activatedAt: state.active?.activatedAt ?? null,
    activatedBy: state.active?.activatedBy ?? null,
    previousVersion: state.active?.previousVersion ?? null,
    versions: (state.versions ?? []).map((entry) => ({ ...entry, live: entry.version === live })),
  });
}

async function switchVersion(kv: KVNamespace, app: string, version: string, state: AppState, actor: string, config: RouterConfig): Promise<Response> {
  const entry = state.versions?.find((e) => e.version === version);
  if (entry === undefined) return failure(404, RouterFailure.unknownVersion, `Not found: app "${app}" has no version "${version}".`);
  if (entry.state === 'failed') return failure(409, RouterFailure.versionFailed, `Conflict: version "${version}" failed and is never routed to.`);
  const current = state.active;
  if (current?.version === version) {
    return Response.json({ app, version, changed: false, previousVersion: current.previousVersion, activatedAt: current.activatedAt, activatedBy: current.activatedBy });
  }
  const allowedHosts = current?.allowedHosts ?? config.fallbackAllowedHosts;
  const raw = await kv.get(kvKeys.routes(app, version), 'text');
  if (raw === null) return failure(409, RouterFailure.versionInvalid, `Conflict: ${kvKeys.routes(app, version)} is missing.`);
  const metadata = metadataSchema({ allowedHosts }).safeParse(parseJson(raw));
  if (!metadata.success) {
    return failure(409, RouterFailure.versionInvalid, `Conflict: ${kvKeys.routes(app, version)} is invalid:\n${formatZodIssues(metadata.error).slice(0, 10).join('\n')}`);
  }
  if (metadata.data.app !== app || metadata.data.version !== version) {
    return failure(409, RouterFailure.versionInvalid, `Conflict: ${kvKeys.routes(app, version)} describes ${metadata.data.app}@${metadata.data.version}.`);
  }
  const previousVersion = current?.version ?? state.versions?.find((e) => e.state === 'live')?.version ?? null;
  const now = new Date().toISOString();
  const record = buildActiveRecord({ metadata: metadata.data, allowedHosts, previousVersion, activatedAt: now, activatedBy: `admin:${actor}` });
  // The flip is this one write; the versions list below is bookkeeping for people and tools.
  try {
    await kv.put(kvKeys.active(app), JSON.stringify(record));
  } catch (error) {
    // e.g. KV's 1 write/s per key limit: nothing changed, the caller may simply retry.
    return failure(503, RouterFailure.routesUnavailable, `Service unavailable: writing ${kvKeys.active(app)} failed (${String(error)}); nothing changed, retry shortly.`, { 'retry-after': '1' });
  }
  invalidateApp(app);
  const versions = state.versions!.map((e): VersionEntry => {
    if (e.version === version) return { ...e, state: 'live', updatedAt: now };
    if (e.state === 'live' || (e.version === previousVersion && e.state !== 'failed')) return { ...e, state: 'retired', updatedAt: now };
    return e;
  });
  let versionsListUpdated = true;
  try {
    await kv.put(kvKeys.versions(app), JSON.stringify(versions));
  } catch (error) {
    // The switch itself happened; only the list lags, and says so.
    console.error(`nextdeploy-router: ${app}: switched to ${version} but writing the versions list failed: ${String(error)}`);
    versionsListUpdated = false;
  }
  return Response.json({ app, version, changed: true, previousVersion, activatedAt: now, activatedBy: record.activatedBy, versionsListUpdated });
}

/** Who asked, for the record: `X-Nextdeploy-Actor` (tidied to a short token) or `router-admin`. */
function actorOf(request: Request): string {
  const raw = (request.headers.get('x-nextdeploy-actor') ?? '').trim().slice(0, 64);
  const tidy = raw.replace(/[^A-Za-z0-9._@:+-]/g, '_');
  return tidy === '' ? 'router-admin' : tidy;
}
