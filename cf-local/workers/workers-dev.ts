/**
 * workers.dev: the account's subdomain (`<subdomain>.workers.dev`), each script's switches, and which
 * Worker a workers.dev host names. `<script>.<subdomain>.workers.dev` is the script's deployment
 * (split by its percentages); `<first 8 hex of a version id>-<script>.<subdomain>.workers.dev` is that
 * version's Preview URL (Source: developers.cloudflare.com/workers/configuration/previews).
 */
import type { AccountModel } from '../account-model.ts';
import { CfApiError } from '../errors.ts';
import type { WorkerVersionRecord } from '../state.ts';
import { findScript } from './model.ts';
import { serveAssets, serveVersion } from './static-assets.ts';
import { activeDeployment, ensureRunning, findVersion, findVersionByPrefix, pickVersion, versionWorkerName } from './versions.ts';

export const WORKERS_DEV = 'workers.dev';

/** A script's switches; a script never configured has both off (the API's `enabled` default is false). */
export function scriptSubdomain(account: AccountModel, script: string): { enabled: boolean; previews_enabled: boolean } {
  const all = account.store.data.scriptSubdomains;
  return Object.hasOwn(all, script) ? { ...all[script]! } : { enabled: false, previews_enabled: false };
}

export function setScriptSubdomain(account: AccountModel, script: string, enabled: boolean, previews_enabled: boolean) {
  // A fresh null-prototype copy: script names are user input and must not meet Object.prototype.
  const next = Object.assign(Object.create(null) as Record<string, { enabled: boolean; previews_enabled: boolean }>, account.store.data.scriptSubdomains);
  next[script] = { enabled, previews_enabled };
  account.store.data.scriptSubdomains = next;
  account.persist();
  return { enabled, previews_enabled };
}

/** Source: the subdomain rules of the dashboard (a DNS label: letters, digits, hyphens, 63 at most). */
export function setAccountSubdomain(account: AccountModel, subdomain: unknown): string {
  if (typeof subdomain !== 'string' || !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(subdomain)) {
    throw new CfApiError(400, { code: 10032, message: 'Invalid subdomain: use lowercase letters, digits and hyphens (at most 63).' });
  }
  account.store.data.workersSubdomain = subdomain;
  account.persist();
  return subdomain;
}

/** What a workers.dev host serves: one version of a script, or a reason it serves nothing. */
export type WorkersDevTarget = { version: WorkerVersionRecord } | { missing: string };

/** undefined when the host is not under the account's workers.dev subdomain. */
export function resolveWorkersDev(account: AccountModel, host: string, overrides: string | null): WorkersDevTarget | undefined {
  const suffix = `.${account.store.data.workersSubdomain}.${WORKERS_DEV}`;
  if (!host.endsWith(suffix)) return undefined;
  const label = host.slice(0, -suffix.length);
  if (label.includes('.')) return { missing: 'no such Worker' };
  const preview = /^([0-9a-f]{8})-(.+)$/.exec(label);
  if (preview && findScript(account, preview[2]!)) {
    const script = preview[2]!;
    const v = findVersionByPrefix(account, script, preview[1]!);
    if (!v) return { missing: 'no such version' };
    return scriptSubdomain(account, script).previews_enabled ? { version: v } : { missing: 'Preview URLs are disabled for this Worker' };
  }
  if (!findScript(account, label)) return { missing: 'no such Worker' };
  if (!scriptSubdomain(account, label).enabled) return { missing: 'workers.dev is disabled for this Worker' };
  const dep = activeDeployment(account, label);
  const v = dep && findVersion(account, label, pickVersion(dep, overrides));
  return v ? { version: v } : { missing: 'nothing deployed' };
}

/** A request run by one version: its assets first, then its Worker (started on demand, for an older version's preview). */
export async function answerVersion(account: AccountModel, v: WorkerVersionRecord, request: Request): Promise<Response> {
  const res = await serveVersion(account, v, request, async () => {
    await ensureRunning(account, v);
    return account.runtime.fetchWorker(versionWorkerName(v), request);
  });
  const out = new Response(res.body, res);
  out.headers.set('x-cf-local-version', v.id);
  return out;
}

/** A zone route's script: the version its deployment picks (percentages, version overrides). */
export function routedVersion(account: AccountModel, script: string, overrides: string | null): WorkerVersionRecord | undefined {
  const dep = activeDeployment(account, script);
  return dep && findVersion(account, script, pickVersion(dep, overrides));
}

/** The `ASSETS` binding of a version's Worker: its assets alone, with the not-found handling. */
export function versionAssetsFetch(account: AccountModel, versionId: string, request: Request): Response {
  const v = account.store.data.workerVersions.find((x) => x.id === versionId);
  if (!v?.assets) return new Response(null, { status: 404 });
  return serveAssets(account, v.assets, request);
}
