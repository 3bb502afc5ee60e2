/**
 * Workers scripts HTTP routes: multipart module upload, list, download, delete and settings. Secrets,
 * subdomain and versions are handlers/workers-versions.ts; routes are handlers/workers-routes.ts.
 */
import type { Worker } from 'cloudflare/resources/workers/beta/workers/workers';
import type { Script, ScriptUpdateResponse } from 'cloudflare/resources/workers/scripts/scripts';
import type { AccountModel } from '../account-model.ts';
import { Errors } from '../errors.ts';
import type { Ctx, RouteDef } from '../api-routes.ts';
import type { ScriptBinding, ScriptRecord } from '../state.ts';
import { findScript, listScripts, liveVersion, putScript, removeScript } from '../workers/model.ts';
import { readUpload, versionFromUpload } from '../workers/upload.ts';
import { scriptSettings } from '../workers/script-settings.ts';
import { scriptSubdomain, WORKERS_DEV } from '../workers/workers-dev.ts';

export const SCRIPTS_READ = ['Workers Scripts Read', 'Workers Scripts Write'];
export const SCRIPTS_WRITE = ['Workers Scripts Write'];
/** Account Workers scripts path prefix. */
export const S = '/accounts/{account_id}/workers/scripts';


function scriptView(account: AccountModel, s: ScriptRecord): Script & ScriptUpdateResponse {
  return {
    id: s.id,
    created_on: s.created_on,
    modified_on: s.modified_on,
    etag: s.etag,
    compatibility_date: s.compatibility_date,
    compatibility_flags: s.compatibility_flags,
    handlers: ['fetch'],
    has_assets: liveVersion(account, s.id)?.assets !== undefined,
    has_modules: true,
    logpush: false,
    startup_time_ms: 1,
    usage_model: s.usage_model as Script['usage_model'],
  };
}

/** Bindings as the API shows them: a secret's value never leaves; an assets binding's version id is internal. */
export function publicBindings(bindings: ScriptBinding[]): ScriptBinding[] {
  return bindings.map((b) => {
    if (b.type === 'secret_text') return { type: b.type, name: b.name } as ScriptBinding;
    if (b.type === 'assets') return { type: b.type, name: b.name } as ScriptBinding;
    return b;
  });
}

/**
 * A Worker's workers.dev settings as the Workers API shows them: the switches, plus the address it
 * would serve on (`url`) and the host suffix its Preview URLs take a version prefix on
 * (`preview_url_suffix`, `-<script>.<subdomain>.workers.dev`). wrangler reads the suffix to print a
 * version's Preview URL. Source: the SDK's `workers.beta.workers` `Worker.Subdomain` (both are
 * present whenever the account owns a subdomain, whatever the switches say).
 */
function workerSubdomainView(account: AccountModel, script: string): Worker.Subdomain {
  const host = `${script}.${account.store.data.workersSubdomain}.${WORKERS_DEV}`;
  return { ...scriptSubdomain(account, script), url: `https://${host}`, preview_url_suffix: `-${host}` };
}

/**
 * The `source` of a version or deployment a request makes: `wrangler` for wrangler (its
 * User-Agent is `wrangler/<version>`), else `api`; live versions uploaded by wrangler say so.
 */
export function clientSource(ctx: Ctx): 'wrangler' | 'api' {
  return /^wrangler\//.test(String(ctx.headers['user-agent'] ?? '')) ? 'wrangler' : 'api';
}

/** The script named in the path, in the account named in the path (404 if unknown). */
export function scriptOf(ctx: Ctx): ScriptRecord {
  ctx.account.checkAccount(ctx.params.account_id);
  const s = findScript(ctx.account, ctx.params.script_name!);
  if (!s) throw Errors.workerNotFound();
  return s;
}

async function upload(ctx: Ctx) {
  ctx.account.checkAccount(ctx.params.account_id);
  if (!/^multipart\/form-data/i.test(ctx.contentType)) throw Errors.workerValidation('Expected a multipart/form-data upload with a metadata part.');
  const up = await readUpload(await ctx.form());
  const name = ctx.params.script_name!;
  const meta = up.meta;
  // keep_bindings: carry over bindings of those types from the previous version (wrangler uses it for secrets).
  const prev = findScript(ctx.account, name);
  if (prev && meta.keep_bindings?.length) {
    const names = new Set((meta.bindings ?? []).map((b) => b.name));
    meta.bindings = [...(meta.bindings ?? []), ...prev.bindings.filter((b) => meta.keep_bindings!.includes(b.type) && !names.has(b.name))];
  }
  const version = versionFromUpload(ctx.account, name, up, { source: clientSource(ctx), triggeredBy: 'upload', bindings: meta.bindings ?? [], ...(prev ? { previous: liveVersion(ctx.account, name) } : {}) });
  const rec = await putScript(ctx.account, name, meta, up.modules, version);
  // `deployment_id`: the version now serving (wrangler prints it as "Current Version ID").
  return { result: { ...scriptView(ctx.account, rec), deployment_id: version.id } };
}

/** Upload, list, download, delete and settings of Workers scripts. */
export const workersScriptRoutes: RouteDef[] = [
  { method: 'PUT', template: `${S}/{script_name}`, operation: 'workers.scripts.update', permissions: SCRIPTS_WRITE, handler: upload },
  {
    method: 'GET',
    template: S,
    operation: 'workers.scripts.list',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      ctx.account.checkAccount(ctx.params.account_id);
      return { result: listScripts(ctx.account).map((x) => scriptView(ctx.account, x)) };
    },
  },
  {
    method: 'GET',
    template: `${S}/{script_name}`,
    operation: 'workers.scripts.get',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      ctx.account.checkAccount(ctx.params.account_id);
      const s = findScript(ctx.account, ctx.params.script_name!);
      if (!s) throw Errors.workerNotFound();
      // The deployed code (after `versions deploy` the script record still holds the first upload's).
      const v = liveVersion(ctx.account, s.id) ?? s;
      const main = v.modules.find((m) => m.name === v.main_module)!;
      return { raw: { status: 200, headers: { 'content-type': 'application/javascript' }, body: Buffer.from(main.base64, 'base64') } };
    },
  },
  {
    method: 'GET',
    template: '/accounts/{account_id}/workers/services/{script_name}',
    operation: 'workers.services.get',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      ctx.account.checkAccount(ctx.params.account_id);
      const s = findScript(ctx.account, ctx.params.script_name!);
      if (!s) throw Errors.workerNotFound();
      return {
        result: {
          id: s.id,
          default_environment: { environment: 'production', created_on: s.created_on, modified_on: s.modified_on, script: scriptView(ctx.account, s) },
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
      ctx.account.checkAccount(ctx.params.account_id);
      const name = ctx.params.script_name!;
      if (!findScript(ctx.account, name)) throw Errors.workerNotFound();
      await removeScript(ctx.account, name);
      return { result: null };
    },
  },
  {
    method: 'GET',
    template: `${S}/{script_name}/settings`,
    operation: 'workers.scripts.scriptAndVersionSettings.get',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      const s = scriptOf(ctx);
      // The version settings are the deployed version's (a `versions deploy` moves them too).
      const v = liveVersion(ctx.account, s.id) ?? s;
      return {
        result: {
          bindings: publicBindings(v.bindings),
          compatibility_date: v.compatibility_date,
          compatibility_flags: v.compatibility_flags,
          usage_model: s.usage_model,
          placement: {},
          ...scriptSettings(ctx.account, s.id),
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
          subdomain: workerSubdomainView(ctx.account, s.id),
          ...scriptSettings(ctx.account, s.id),
        },
      };
    },
  },
];
