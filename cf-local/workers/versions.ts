/**
 * Worker versions and deployments, as Cloudflare keeps them: every upload is an immutable version;
 * a deployment says which versions serve the script's traffic and by what percentage. A script
 * upload (`PUT .../scripts/{name}`) is a new version deployed at 100 %; `POST .../versions` only
 * uploads; `POST .../deployments` moves traffic. Only the newest 100 versions are kept (the ones
 * a rollback can reach). The HTTP routes are handlers/workers-deploys.ts.
 */
import { randomUUID } from 'node:crypto';
import type { AccountModel } from '../account-model.ts';
import { CfApiError } from '../errors.ts';
import type { ScriptRecord, WorkerDeploymentRecord, WorkerVersionRecord } from '../state.ts';

/** Source: developers.cloudflare.com/workers/configuration/versions-and-deployments/rollbacks ("the 100 most recent versions"). */
export const KEPT_VERSIONS = 100;

/** Source: the Workers API's 10220 for a version id the script does not have (wrangler prints it on `versions view`). */
export const versionNotFound = () => new CfApiError(404, { code: 10220, message: 'Version not found.' });

export function listVersions(account: AccountModel, script: string): WorkerVersionRecord[] {
  return account.store.data.workerVersions.filter((v) => v.script === script).sort((a, b) => b.number - a.number);
}

export function findVersion(account: AccountModel, script: string, id: string): WorkerVersionRecord | undefined {
  return account.store.data.workerVersions.find((v) => v.script === script && v.id === id);
}

/** A version by the first 8 hex of its id (the label of its preview URL). */
export function findVersionByPrefix(account: AccountModel, script: string, prefix: string): WorkerVersionRecord | undefined {
  return account.store.data.workerVersions.find((v) => v.script === script && v.id.startsWith(prefix));
}

/** Newest first. */
export function listDeployments(account: AccountModel, script: string): WorkerDeploymentRecord[] {
  return account.store.data.workerDeployments.filter((d) => d.script === script).sort((a, b) => (a.created_on < b.created_on ? 1 : -1));
}

export function activeDeployment(account: AccountModel, script: string): WorkerDeploymentRecord | undefined {
  return listDeployments(account, script)[0];
}

/** A new version record (not yet stored): the next number of the script. */
export function makeVersion(account: AccountModel, fields: Omit<WorkerVersionRecord, 'id' | 'number' | 'created_on'>): WorkerVersionRecord {
  const last = listVersions(account, fields.script)[0];
  return { id: randomUUID(), number: (last?.number ?? 0) + 1, created_on: account.isoNow(), ...fields };
}

/**
 * Stores a version and (when given) a deployment, runs what now serves, and forgets versions past
 * the newest 100 that no deployment still uses. On a startup failure nothing is kept (10021).
 */
export async function commitVersion(account: AccountModel, v: WorkerVersionRecord, deploy?: Omit<WorkerDeploymentRecord, 'id' | 'script' | 'created_on'>): Promise<WorkerDeploymentRecord | undefined> {
  const d = account.store.data;
  const before = { versions: d.workerVersions, deployments: d.workerDeployments };
  d.workerVersions = [...d.workerVersions, v];
  const dep = deploy ? { id: randomUUID(), script: v.script, created_on: account.isoNow(), ...deploy } : undefined;
  if (dep) d.workerDeployments = [...d.workerDeployments, dep];
  try {
    await account.syncRuntime();
  } catch (err) {
    d.workerVersions = before.versions;
    d.workerDeployments = before.deployments;
    throw err;
  }
  pruneVersions(account, v.script);
  account.persist();
  return dep;
}

function pruneVersions(account: AccountModel, script: string): void {
  const d = account.store.data;
  const live = new Set(activeDeployment(account, script)?.versions.map((x) => x.version_id) ?? []);
  const keep = new Set(listVersions(account, script).slice(0, KEPT_VERSIONS).map((v) => v.id));
  d.workerVersions = d.workerVersions.filter((v) => v.script !== script || keep.has(v.id) || live.has(v.id));
}

/**
 * Moves a script's traffic. Source for the rules and codes: the deployments API (percentages must
 * add up to 100, at most two versions; an unknown version is 10220).
 */
export async function deployVersions(account: AccountModel, script: string, body: { strategy?: string; versions?: Array<{ version_id?: string; percentage?: number }>; annotations?: Record<string, string> }, source = 'api'): Promise<WorkerDeploymentRecord> {
  const versions = body.versions ?? [];
  if (body.strategy !== 'percentage') throw new CfApiError(400, { code: 10021, message: `Unknown deployment strategy '${String(body.strategy)}'; only 'percentage' exists.` });
  if (versions.length < 1 || versions.length > 2) throw new CfApiError(400, { code: 10021, message: 'A deployment has one or two versions.' });
  const total = versions.reduce((n, x) => n + Number(x.percentage ?? 0), 0);
  if (Math.abs(total - 100) > 1e-9) throw new CfApiError(400, { code: 10021, message: `Version percentages must add up to 100 (got ${total}).` });
  for (const x of versions) if (!x.version_id || !findVersion(account, script, x.version_id)) throw versionNotFound();
  const d = account.store.data;
  const before = d.workerDeployments;
  const dep: WorkerDeploymentRecord = {
    id: randomUUID(),
    script,
    created_on: account.isoNow(),
    source,
    strategy: 'percentage',
    annotations: { 'workers/triggered_by': 'deployment', ...(body.annotations ?? {}) },
    versions: versions.map((x) => ({ version_id: x.version_id!, percentage: Number(x.percentage) })),
  };
  d.workerDeployments = [...before, dep];
  try {
    await account.syncRuntime();
  } catch (err) {
    d.workerDeployments = before;
    throw err;
  }
  account.persist();
  return dep;
}

/** Workerd's name for one version of a script (versions run side by side). */
export function versionWorkerName(v: { id: string }): string {
  return `version-${v.id}`;
}

const previewedBy = new WeakMap<AccountModel, Set<string>>();

/** Version ids asked for by preview URL since the start (they keep running, so a second request is quick). */
export function previewed(account: AccountModel): Set<string> {
  let s = previewedBy.get(account);
  if (!s) previewedBy.set(account, (s = new Set()));
  return s;
}

/** Starts a version that is not yet running (the preview URL of an older version). */
export async function ensureRunning(account: AccountModel, v: WorkerVersionRecord): Promise<void> {
  if (account.runtime.hasScript(versionWorkerName(v))) return;
  previewed(account).add(v.id);
  await account.syncRuntime();
}

/** The workerd units of every runnable version (AccountModel.runtimeSources calls it). */
export function versionUnits(account: AccountModel): ScriptRecord[] {
  return runnableVersions(account, previewed(account)).map(versionAsScript);
}

/** Versions that run in workerd: every version a deployment serves, the newest, and the ones asked for by preview URL. */
export function runnableVersions(account: AccountModel, previewed: ReadonlySet<string>): WorkerVersionRecord[] {
  const out: WorkerVersionRecord[] = [];
  for (const s of account.store.data.scripts) {
    const live = new Set(activeDeployment(account, s.id)?.versions.map((x) => x.version_id) ?? []);
    const all = listVersions(account, s.id);
    out.push(...all.filter((v, i) => i === 0 || live.has(v.id) || previewed.has(v.id)));
  }
  return out;
}

/** A version as the runtime runs it (a script record under the version's worker name). */
export function versionAsScript(v: WorkerVersionRecord): ScriptRecord {
  return {
    id: versionWorkerName(v),
    created_on: v.created_on,
    modified_on: v.created_on,
    etag: v.id,
    main_module: v.main_module,
    modules: v.modules,
    bindings: v.bindings.map((b) => (b.type === 'assets' ? { ...b, version_id: v.id } : b)),
    compatibility_date: v.compatibility_date,
    compatibility_flags: v.compatibility_flags,
    usage_model: 'standard',
  };
}

/**
 * The version a request to the script runs: the `Cloudflare-Workers-Version-Overrides` header
 * (`<script>="<version id>"`, Cloudflare's version affinity) when it names a deployed version,
 * else a draw by the deployment's percentages.
 */
export function pickVersion(dep: WorkerDeploymentRecord, overrides: string | null, draw = Math.random()): string {
  const m = overrides ? new RegExp(`(?:^|,)\\s*${dep.script.replace(/[-_]/g, '\\$&')}="([0-9a-f-]{36})"`).exec(overrides) : null;
  if (m && dep.versions.some((x) => x.version_id === m[1])) return m[1]!;
  let acc = 0;
  for (const x of dep.versions) {
    acc += x.percentage / 100;
    if (draw < acc) return x.version_id;
  }
  return dep.versions.at(-1)!.version_id;
}
