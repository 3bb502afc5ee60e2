/**
 * Pages HTTP routes: projects, deployments (git branch or Direct Upload with a manifest) and the
 * Direct Upload asset endpoints (upload JWT, check-missing, upload, upsert-hashes). The model they
 * act on is pages/model.ts; custom domains are handlers/pages-domains.ts (same URL prefix).
 */
import { createHash } from 'node:crypto';
import { CfApiError, Errors } from '../errors.ts';
import { paginate, type Ctx, type RouteDef } from '../api-routes.ts';
import type { DeploymentRecord, ProjectRecord } from '../state.ts';
import { deploymentView, findDeployment, isLive, listDeployments, newDeployment, productionDeployment, removeDeployment, startFunctions, stageState } from '../pages/model.ts';
import { createProject, listProjects, projectView, removeProject } from '../pages/projects.ts';

const READ = ['Pages Read', 'Pages Write'];
const WRITE = ['Pages Write'];
const P = '/accounts/{account_id}/pages/projects';


function deploymentOf(ctx: Ctx, p: ProjectRecord): DeploymentRecord {
  const d = findDeployment(ctx.account, p.name, ctx.params.deployment_id!);
  if (!d) throw Errors.pagesDeploymentNotFound();
  return d;
}

/** The project named in the path, in the account named in the path. */
export function projectOf(ctx: Ctx): ProjectRecord {
  ctx.account.checkAccount(ctx.params.account_id);
  return ctx.account.project(ctx.params.project_name!);
}

const SPECIAL_FILES = ['_headers', '_redirects', '_routes.json', '_worker.bundle', '_worker.js', 'functions-filepath-routing-config.json'];

async function createDeployment(ctx: Ctx) {
  const p = projectOf(ctx);
  const fields = await ctx.fields();
  const str = (k: string) => {
    const v = fields[k];
    return typeof v === 'string' ? v : undefined;
  };
  const branch = str('branch') || p.production_branch;
  let manifest: Record<string, string> | undefined;
  const manifestText = str('manifest');
  if (manifestText !== undefined) {
    try {
      manifest = JSON.parse(manifestText) as Record<string, string>;
    } catch {
      throw new CfApiError(400, { code: 8000096, message: 'Invalid manifest: not JSON.' });
    }
    if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) throw new CfApiError(400, { code: 8000096, message: 'Invalid manifest.' });
    const missing = Object.values(manifest).filter((h) => !ctx.account.store.hasAsset(h));
    if (missing.length > 0) throw Errors.pagesMissingAssets(missing.length);
  } else if (!p.source) {
    // Direct Upload projects deploy files; without a manifest there is nothing to deploy.
    throw new CfApiError(400, { code: 8000096, message: 'A Direct Upload deployment needs a manifest.' });
  }
  const specialFiles: Record<string, string> = {};
  for (const name of SPECIAL_FILES) {
    const v = fields[name];
    if (v === undefined) continue;
    specialFiles[name] = typeof v === 'string' ? Buffer.from(v).toString('base64') : Buffer.from(await (v as Blob).arrayBuffer()).toString('base64');
  }
  const d = newDeployment(ctx.account, p, {
    branch,
    kind: manifest ? 'direct_upload' : 'git',
    trigger_type: manifest ? 'ad_hoc' : 'github:push',
    commit_hash: str('commit_hash') ?? createHash('sha1').update(`${p.name}:${branch}:${Date.now()}`).digest('hex'),
    commit_message: str('commit_message') ?? (manifest ? 'Direct Upload' : `Deploy ${branch}`),
    commit_dirty: str('commit_dirty') === 'true',
    manifest,
    specialFiles: Object.keys(specialFiles).length ? specialFiles : undefined,
  });
  if (d.specialFiles?.['_worker.js']) await startFunctions(ctx.account, d);
  return { result: deploymentView(ctx.account, d) };
}


export const pagesRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: P,
    operation: 'pages.projects.list',
    permissions: READ,
    handler: (ctx) => {
      ctx.account.checkAccount(ctx.params.account_id);
      return paginate(listProjects(ctx.account).map((p) => projectView(ctx.account, p)), ctx.query, 10, 100);
    },
  },
  {
    method: 'POST',
    template: P,
    operation: 'pages.projects.create',
    permissions: WRITE,
    handler: (ctx) => {
      ctx.account.checkAccount(ctx.params.account_id);
      const body = ctx.json<Parameters<typeof createProject>[1]>();
      return { result: projectView(ctx.account, createProject(ctx.account, body)) };
    },
  },
  {
    method: 'GET',
    template: `${P}/{project_name}`,
    operation: 'pages.projects.get',
    permissions: READ,
    handler: (ctx) => ({ result: projectView(ctx.account, projectOf(ctx)) }),
  },
  {
    method: 'PATCH',
    template: `${P}/{project_name}`,
    operation: 'pages.projects.edit',
    permissions: WRITE,
    handler: (ctx) => {
      const p = projectOf(ctx);
      const body = ctx.json<{ production_branch?: string; build_config?: Partial<ProjectRecord['build_config']> }>();
      if (body.production_branch) p.production_branch = body.production_branch;
      if (body.build_config) p.build_config = { ...p.build_config, ...body.build_config };
      ctx.account.persist();
      return { result: projectView(ctx.account, p) };
    },
  },
  {
    method: 'DELETE',
    template: `${P}/{project_name}`,
    operation: 'pages.projects.delete',
    permissions: WRITE,
    handler: async (ctx) => {
      const p = projectOf(ctx);
      await removeProject(ctx.account, p);
      return { result: null };
    },
  },
  {
    method: 'GET',
    template: `${P}/{project_name}/upload-token`,
    operation: 'pages.projects.getUploadToken',
    permissions: WRITE,
    handler: (ctx) => ({ result: { jwt: ctx.account.issueUploadJwt(projectOf(ctx)) } }),
  },
  {
    method: 'POST',
    template: `${P}/{project_name}/purge_build_cache`,
    operation: 'pages.projects.purgeBuildCache',
    permissions: WRITE,
    handler: (ctx) => {
      projectOf(ctx);
      return { result: null };
    },
  },
  // deployments
  {
    method: 'GET',
    template: `${P}/{project_name}/deployments`,
    operation: 'pages.projects.deployments.list',
    permissions: READ,
    handler: (ctx) => {
      const p = projectOf(ctx);
      const list = listDeployments(ctx.account, p.name, ctx.query.get('env'));
      return paginate(list, ctx.query, 25, 25, (d) => deploymentView(ctx.account, d));
    },
  },
  {
    method: 'POST',
    template: `${P}/{project_name}/deployments`,
    operation: 'pages.projects.deployments.create',
    permissions: WRITE,
    handler: createDeployment,
  },
  {
    method: 'GET',
    template: `${P}/{project_name}/deployments/{deployment_id}`,
    operation: 'pages.projects.deployments.get',
    permissions: READ,
    handler: (ctx) => ({ result: deploymentView(ctx.account, deploymentOf(ctx, projectOf(ctx))) }),
  },
  {
    method: 'DELETE',
    template: `${P}/{project_name}/deployments/{deployment_id}`,
    operation: 'pages.projects.deployments.delete',
    permissions: WRITE,
    handler: async (ctx) => {
      const p = projectOf(ctx);
      const d = deploymentOf(ctx, p);
      const force = ctx.query.get('force') === 'true';
      if (!force && productionDeployment(ctx.account, p)?.id === d.id) throw Errors.pagesCannotDeleteLive();
      await removeDeployment(ctx.account, p, d);
      return { result: null };
    },
  },
  {
    method: 'POST',
    template: `${P}/{project_name}/deployments/{deployment_id}/retry`,
    operation: 'pages.projects.deployments.retry',
    permissions: WRITE,
    handler: async (ctx) => {
      const p = projectOf(ctx);
      const src = deploymentOf(ctx, p);
      const d = newDeployment(ctx.account, p, {
        branch: src.branch,
        kind: src.kind,
        trigger_type: src.trigger_type,
        commit_hash: src.commit_hash,
        commit_message: src.commit_message,
        commit_dirty: src.commit_dirty,
        manifest: src.manifest,
        specialFiles: src.specialFiles,
      });
      if (d.specialFiles?.['_worker.js']) await startFunctions(ctx.account, d);
      return { result: deploymentView(ctx.account, d) };
    },
  },
  {
    method: 'POST',
    template: `${P}/{project_name}/deployments/{deployment_id}/rollback`,
    operation: 'pages.projects.deployments.rollback',
    permissions: WRITE,
    handler: (ctx) => {
      const p = projectOf(ctx);
      const d = deploymentOf(ctx, p);
      // Only a successful production deployment can become the live one again.
      if (d.environment !== 'production' || !isLive(d, ctx.account.now()))
        throw new CfApiError(400, { code: 8000035, message: 'You can only roll back to a successful production deployment.' });
      p.rollbacks[d.id] = ctx.account.now();
      ctx.account.persist();
      return { result: deploymentView(ctx.account, d) };
    },
  },
  {
    method: 'GET',
    template: `${P}/{project_name}/deployments/{deployment_id}/history/logs`,
    operation: 'pages.projects.deployments.history.logs.get',
    permissions: READ,
    handler: (ctx) => {
      const d = deploymentOf(ctx, projectOf(ctx));
      const { stages } = stageState(d, ctx.account.now());
      const data = stages
        .filter((s) => s.started_on)
        .map((s) => ({ ts: s.started_on!, line: `${s.name}: ${s.status}${s.status === 'failure' ? ` — ${d.failMessage ?? 'Build failed'}` : ''}` }));
      return { result: { total: data.length, includes_container_logs: false, data } };
    },
  },
  // Direct Upload assets (authenticated by the upload JWT)
  {
    method: 'POST',
    template: '/pages/assets/check-missing',
    operation: 'pages.assets.checkMissing',
    permissions: [],
    auth: 'jwt',
    mutates: false,
    handler: (ctx) => {
      const { hashes } = ctx.json<{ hashes?: string[] }>();
      if (!Array.isArray(hashes)) throw new CfApiError(400, { code: 8000096, message: 'hashes must be an array' });
      return { result: hashes.filter((h) => !ctx.account.store.hasAsset(h)) };
    },
  },
  {
    method: 'POST',
    template: '/pages/assets/upload',
    operation: 'pages.assets.upload',
    permissions: [],
    auth: 'jwt',
    handler: (ctx) => {
      const items = ctx.json<Array<{ key: string; value: string; base64?: boolean; metadata?: { contentType?: string } }>>();
      if (!Array.isArray(items)) throw new CfApiError(400, { code: 8000096, message: 'body must be an array of files' });
      for (const it of items) {
        if (typeof it?.key !== 'string' || !/^[0-9a-f]{32}$/.test(it.key) || typeof it.value !== 'string')
          throw new CfApiError(400, { code: 8000096, message: 'each file needs a 32-hex key and a value' });
      }
      for (const it of items) {
        const bytes = it.base64 === false ? Buffer.from(it.value, 'utf8') : Buffer.from(it.value, 'base64');
        ctx.account.store.putAsset(it.key, it.metadata?.contentType ?? 'application/octet-stream', bytes);
      }
      ctx.account.persist();
      return { result: null };
    },
  },
  {
    method: 'POST',
    template: '/pages/assets/upsert-hashes',
    operation: 'pages.assets.upsertHashes',
    permissions: [],
    auth: 'jwt',
    handler: (ctx) => {
      const { hashes } = ctx.json<{ hashes?: string[] }>();
      if (!Array.isArray(hashes)) throw new CfApiError(400, { code: 8000096, message: 'hashes must be an array' });
      return { result: null };
    },
  },
];
