/**
 * Workers versions and deployments over HTTP (thin over workers/versions.ts and workers/assets.ts):
 * the assets upload session and bucket upload, version upload, versions list/get, deployments
 * create/list/get, and the workers.dev subdomain of the account and of a script.
 */
import type { AccountModel } from '../account-model.ts';
import { paginate, type Ctx, type RouteDef } from '../api-routes.ts';
import { Errors } from '../errors.ts';
import type { WorkerDeploymentRecord, WorkerVersionRecord } from '../state.ts';
import { assetUploads } from '../workers/assets.ts';
import { liveVersion } from '../workers/model.ts';
import { readUpload, versionFromUpload } from '../workers/upload.ts';
import { commitVersion, deployVersions, findVersion, listDeployments, listVersions, versionNotFound } from '../workers/versions.ts';
import { scriptSubdomain, setAccountSubdomain, setScriptSubdomain } from '../workers/workers-dev.ts';
import { clientSource, publicBindings, S, SCRIPTS_READ, SCRIPTS_WRITE, scriptOf } from './workers-scripts.ts';

function versionView(account: AccountModel, v: WorkerVersionRecord) {
  return {
    id: v.id,
    number: v.number,
    metadata: {
      author_email: account.userDetails().email,
      author_id: account.userDetails().id,
      source: v.source as 'api',
      created_on: v.created_on,
      modified_on: v.created_on,
      // The schema names it `hasPreview`; the live API answers `has_preview`, which is what wrangler
      // reads to print a version's Preview URL (a live `versions/{id}` answer has only that one).
      has_preview: scriptSubdomain(account, v.script).previews_enabled,
    },
    annotations: v.annotations,
    resources: {
      bindings: publicBindings(v.bindings),
      script: { etag: v.id.replaceAll('-', ''), handlers: ['fetch'], last_deployed_from: v.source },
      script_runtime: { compatibility_date: v.compatibility_date, compatibility_flags: v.compatibility_flags, usage_model: 'standard' },
    },
  };
}

function deploymentView(account: AccountModel, d: WorkerDeploymentRecord) {
  return { id: d.id, source: d.source, strategy: d.strategy, author_email: account.userDetails().email, created_on: d.created_on, annotations: d.annotations, versions: d.versions };
}

async function uploadVersion(ctx: Ctx) {
  const s = scriptOf(ctx);
  if (!/^multipart\/form-data/i.test(ctx.contentType)) throw Errors.workerValidation('Expected a multipart/form-data upload with a metadata part.');
  const up = await readUpload(await ctx.form());
  const bindings = up.meta.bindings ?? [];
  if (up.meta.keep_bindings?.length) {
    const names = new Set(bindings.map((b) => b.name));
    bindings.push(...(liveVersion(ctx.account, s.id)?.bindings ?? []).filter((b) => up.meta.keep_bindings!.includes(b.type) && !names.has(b.name)));
  }
  const live = liveVersion(ctx.account, s.id);
  const v = versionFromUpload(ctx.account, s.id, up, { source: clientSource(ctx), triggeredBy: 'version_upload', bindings, ...(live ? { previous: live } : {}) });
  await commitVersion(ctx.account, v);
  // startup_time_ms: wrangler prints it ("Worker Startup Time"); workerd starts the version in-process, so a nominal 1.
  return { result: { ...versionView(ctx.account, v), startup_time_ms: 1 } };
}

/** Versions, deployments, assets uploads and workers.dev. */
export const workersDeployRoutes: RouteDef[] = [
  {
    method: 'POST',
    template: `${S}/{script_name}/assets-upload-session`,
    operation: 'workers.scripts.assets.upload.create',
    permissions: SCRIPTS_WRITE,
    handler: (ctx) => {
      ctx.account.checkAccount(ctx.params.account_id);
      // The script need not exist yet: a first `wrangler deploy` registers its assets before the upload.
      return { result: assetUploads(ctx.account).createSession(ctx.params.script_name!, ctx.json<{ manifest?: unknown }>().manifest) };
    },
  },
  {
    method: 'POST',
    template: '/accounts/{account_id}/workers/assets/upload',
    operation: 'workers.assets.upload.create',
    permissions: [],
    auth: 'assets-jwt',
    handler: async (ctx) => {
      ctx.account.checkAccount(ctx.params.account_id);
      const uploads = assetUploads(ctx.account);
      const sid = uploads.authorise(ctx.headers.authorization);
      if (ctx.query.get('base64') !== 'true') throw Errors.workerValidation('base64=true is required: file contents are sent base64-encoded.');
      const files: Array<{ hash: string; base64: string; contentType: string }> = [];
      for (const [hash, value] of (await ctx.form()).entries()) {
        const base64 = typeof value === 'string' ? value : await value.text();
        files.push({ hash, base64, contentType: typeof value === 'string' ? '' : value.type });
      }
      const done = uploads.upload(sid, files);
      // 202 while files are missing; 201 with the completion JWT once all are in (the schema's two answers).
      return done.jwt ? { status: 201, result: { jwt: done.jwt } } : { status: 202, result: {} };
    },
  },
  { method: 'POST', template: `${S}/{script_name}/versions`, operation: 'workers.scripts.versions.create', permissions: SCRIPTS_WRITE, handler: uploadVersion },
  {
    method: 'GET',
    template: `${S}/{script_name}/versions`,
    operation: 'workers.scripts.versions.list',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      const s = scriptOf(ctx);
      const all = listVersions(ctx.account, s.id);
      // `deployable=true` ignores pagination (the schema says so); else pages as the SDK's iterator walks them.
      if (ctx.query.get('deployable') === 'true') return { result: { items: all.map((v) => versionView(ctx.account, v)) } };
      const page = paginate(all, ctx.query, 10, 100, (v) => versionView(ctx.account, v)) as { result: unknown[]; result_info: unknown };
      return { result: { items: page.result }, result_info: page.result_info };
    },
  },
  {
    method: 'GET',
    template: `${S}/{script_name}/versions/{version_id}`,
    operation: 'workers.scripts.versions.get',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      const s = scriptOf(ctx);
      const v = findVersion(ctx.account, s.id, ctx.params.version_id!);
      if (!v) throw versionNotFound();
      return { result: versionView(ctx.account, v) };
    },
  },
  {
    method: 'GET',
    template: `${S}/{script_name}/deployments`,
    operation: 'workers.scripts.deployments.list',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      const s = scriptOf(ctx);
      return { result: { deployments: listDeployments(ctx.account, s.id).map((d) => deploymentView(ctx.account, d)) } };
    },
  },
  {
    method: 'POST',
    template: `${S}/{script_name}/deployments`,
    operation: 'workers.scripts.deployments.create',
    permissions: SCRIPTS_WRITE,
    handler: async (ctx) => {
      const s = scriptOf(ctx);
      return { result: deploymentView(ctx.account, await deployVersions(ctx.account, s.id, ctx.json(), clientSource(ctx))) };
    },
  },
  {
    method: 'GET',
    template: `${S}/{script_name}/deployments/{deployment_id}`,
    operation: 'workers.scripts.deployments.get',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      const s = scriptOf(ctx);
      const d = listDeployments(ctx.account, s.id).find((x) => x.id === ctx.params.deployment_id);
      // Source: the deployments API's 10220-style not-found; wrangler only shows the message.
      if (!d) throw Errors.workerValidation('Deployment not found.');
      return { result: deploymentView(ctx.account, d) };
    },
  },
  {
    method: 'GET',
    template: '/accounts/{account_id}/workers/subdomain',
    operation: 'workers.subdomains.get',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      ctx.account.checkAccount(ctx.params.account_id);
      return { result: { subdomain: ctx.account.store.data.workersSubdomain } };
    },
  },
  {
    method: 'PUT',
    template: '/accounts/{account_id}/workers/subdomain',
    operation: 'workers.subdomains.update',
    permissions: SCRIPTS_WRITE,
    handler: (ctx) => {
      ctx.account.checkAccount(ctx.params.account_id);
      return { result: { subdomain: setAccountSubdomain(ctx.account, ctx.json<{ subdomain?: string }>().subdomain) } };
    },
  },
  {
    method: 'GET',
    template: `${S}/{script_name}/subdomain`,
    operation: 'workers.scripts.subdomain.get',
    permissions: SCRIPTS_READ,
    handler: (ctx) => ({ result: scriptSubdomain(ctx.account, scriptOf(ctx).id) }),
  },
  {
    method: 'POST',
    template: `${S}/{script_name}/subdomain`,
    operation: 'workers.scripts.subdomain.create',
    permissions: SCRIPTS_WRITE,
    handler: (ctx) => {
      const body = ctx.json<{ enabled?: boolean; previews_enabled?: boolean }>();
      return { result: setScriptSubdomain(ctx.account, scriptOf(ctx).id, body.enabled === true, body.previews_enabled ?? body.enabled === true) };
    },
  },
  {
    method: 'DELETE',
    template: `${S}/{script_name}/subdomain`,
    operation: 'workers.scripts.subdomain.delete',
    permissions: SCRIPTS_WRITE,
    handler: (ctx) => ({ result: setScriptSubdomain(ctx.account, scriptOf(ctx).id, false, false) }),
  },
];
