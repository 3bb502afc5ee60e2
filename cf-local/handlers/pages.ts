/**
 * Pages: projects, deployments (git branch or Direct Upload with a manifest), the Direct Upload asset
 * endpoints (upload JWT, check-missing, upload, upsert-hashes) and custom domains.
 *
 * Deployment stages are derived from the clock when read, so they advance at the configured pace
 * without timers and stay right across a restart; so is a domain's status up to its activation
 * delay, after which it waits for the certificate authority's HTTP check (certificate-authority.ts).
 */
import { randomBytes, randomUUID, createHash } from 'node:crypto';
import type { Deployment, Project, Stage } from 'cloudflare/resources/pages/projects/projects';
import type { DomainGetResponse } from 'cloudflare/resources/pages/projects/domains';
import { LOCAL_ACCOUNT_ID, PAGES_DEV_SUFFIX } from '../constants.ts';
import type { LocalCloudflareCore } from '../account-model.ts';
import { CfApiError, Errors } from '../errors.ts';
import { hexId } from '../http.ts';
import { paginate, type Ctx, type RouteDef } from '../api-routes.ts';
import { STAGES, type DeploymentRecord, type DomainRecord, type ProjectRecord, type StageName } from '../state.ts';
import { validationPending } from '../certificate-authority.ts';

const READ = ['Pages Read', 'Pages Write'];
const WRITE = ['Pages Write'];
const P = '/accounts/{account_id}/pages/projects';

// --- derived views ---------------------------------------------------------------------------

/** `feature/Foo_bar` → `feature-foo-bar`, as Pages derives branch aliases (lowercase, [a-z0-9-], ≤ 28 chars). */
export function branchAlias(branch: string): string {
  return branch
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 28)
    .replace(/-+$/g, '');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

interface StageState {
  stages: Stage[];
  latest: Stage;
  /** 'success' when every stage passed, 'failure' when one failed, 'active' while running. */
  outcome: 'active' | 'success' | 'failure';
}

export function stageState(d: DeploymentRecord, now: number): StageState {
  const elapsed = now - d.createdAtMs;
  const stages: Stage[] = [];
  let outcome: StageState['outcome'] = 'success';
  let failed = false;
  STAGES.forEach((name, i) => {
    const start = d.createdAtMs + i * d.stepMs;
    const end = start + d.stepMs;
    if (failed) {
      stages.push({ name, status: 'idle', started_on: null, ended_on: null });
      return;
    }
    if (elapsed < i * d.stepMs) {
      stages.push({ name, status: 'idle', started_on: null, ended_on: null });
      outcome = 'active';
    } else if (elapsed < (i + 1) * d.stepMs) {
      stages.push({ name, status: 'active', started_on: iso(start), ended_on: null });
      outcome = 'active';
    } else if (d.failAt === name) {
      stages.push({ name, status: 'failure', started_on: iso(start), ended_on: iso(end) });
      outcome = 'failure';
      failed = true;
    } else {
      stages.push({ name, status: 'success', started_on: iso(start), ended_on: iso(end) });
    }
  });
  const latest =
    [...stages].reverse().find((s) => s.status === 'failure' || s.status === 'active') ??
    [...stages].reverse().find((s) => s.status === 'success') ??
    stages[0]!;
  return { stages, latest, outcome };
}

export function isLive(d: DeploymentRecord, now: number): boolean {
  return stageState(d, now).outcome === 'success';
}

export function deploymentUrl(d: DeploymentRecord): string {
  return `https://${d.short_id}.${projectHost(d.project_name)}`;
}

export function projectHost(name: string): string {
  return `${name}.${PAGES_DEV_SUFFIX}`;
}

/** The API's Deployment, typed by the SDK. */
export type DeploymentView = Deployment;

/**
 * `source` is required by the schema and the SDK type, but a Direct Upload deployment has no
 * repository: the emulator sends an empty-config source (owner/repo '' and deployments disabled)
 * so typed clients parse it; projects without a repository carry no `source` at all (wrangler
 * tells Direct Upload projects apart by `!project.source`).
 */
function directUploadSource(branch: string): Deployment['source'] {
  return {
    type: 'github',
    config: {
      owner: '',
      owner_id: '',
      repo_name: '',
      repo_id: '',
      production_branch: branch,
      deployments_enabled: false,
      production_deployments_enabled: false,
      pr_comments_enabled: false,
      preview_deployment_setting: 'none',
      preview_branch_includes: [],
      preview_branch_excludes: [],
      path_includes: [],
      path_excludes: [],
    },
  };
}

export function deploymentView(core: LocalCloudflareCore, d: DeploymentRecord): DeploymentView {
  const project = core.store.data.projects.find((p) => p.name === d.project_name);
  const { stages, latest } = stageState(d, core.now());
  const view: DeploymentView = {
    id: d.id,
    short_id: d.short_id,
    project_id: d.project_id,
    project_name: d.project_name,
    environment: d.environment,
    url: deploymentUrl(d),
    created_on: d.created_on,
    modified_on: latest.ended_on ?? latest.started_on ?? d.created_on,
    latest_stage: latest,
    stages,
    aliases: d.environment === 'preview' && branchAlias(d.branch) ? [`https://${branchAlias(d.branch)}.${projectHost(d.project_name)}`] : null,
    deployment_trigger: {
      type: d.trigger_type,
      metadata: { branch: d.branch, commit_hash: d.commit_hash, commit_message: d.commit_message, commit_dirty: d.commit_dirty },
    },
    build_config: d.build_config,
    env_vars: d.env_vars,
    is_skipped: false,
    source: d.kind === 'git' && project?.source ? project.source : directUploadSource(project?.production_branch ?? d.branch),
    uses_functions: Boolean(d.specialFiles?.['_worker.bundle'] || d.specialFiles?.['_worker.js']),
  };
  return view;
}

/** The live production deployment: the latest successful production deployment, unless a rollback pointed elsewhere since. */
export function productionDeployment(core: LocalCloudflareCore, project: ProjectRecord): DeploymentRecord | undefined {
  const now = core.now();
  let best: { d: DeploymentRecord; at: number; rolledBack: boolean } | undefined;
  for (const d of core.store.data.deployments) {
    if (d.project_name !== project.name || d.environment !== 'production' || !isLive(d, now)) continue;
    const rolledBackAt = project.rollbacks[d.id] ?? 0;
    const at = Math.max(d.createdAtMs + STAGES.length * d.stepMs, rolledBackAt);
    const rolledBack = rolledBackAt === at;
    // Same millisecond: the newer build wins, but a rollback was asked for after the build was
    // seen finished, so it wins over a build.
    if (!best || at > best.at || (at === best.at && (rolledBack || !best.rolledBack))) best = { d, at, rolledBack };
  }
  return best?.d;
}

export function latestForBranch(core: LocalCloudflareCore, project: string, alias: string): DeploymentRecord | undefined {
  const now = core.now();
  return core.store.data.deployments
    .filter((d) => d.project_name === project && branchAlias(d.branch) === alias && isLive(d, now))
    .sort((a, b) => b.createdAtMs - a.createdAtMs)[0];
}

function defaultConfigs(): Project['deployment_configs'] {
  const env = {
    always_use_latest_compatibility_date: false,
    build_image_major_version: 3,
    compatibility_date: '2025-01-01',
    compatibility_flags: [],
    env_vars: null,
    fail_open: true,
    usage_model: 'standard' as const,
  };
  return { preview: { ...env }, production: { ...env } };
}

export function projectView(core: LocalCloudflareCore, p: ProjectRecord): Project {
  const deployments = core.store.data.deployments.filter((d) => d.project_name === p.name).sort((a, b) => b.createdAtMs - a.createdAtMs);
  const latest = deployments[0];
  const canonical = productionDeployment(core, p);
  const view: Project = {
    id: p.id,
    name: p.name,
    created_on: p.created_on,
    production_branch: p.production_branch,
    subdomain: p.subdomain,
    domains: [p.subdomain, ...core.store.data.domains.filter((d) => d.project_name === p.name).map((d) => d.name)],
    build_config: p.build_config,
    deployment_configs: p.deployment_configs,
    framework: p.framework,
    framework_version: p.framework_version,
    latest_deployment: latest ? deploymentView(core, latest) : null,
    canonical_deployment: canonical ? deploymentView(core, canonical) : null,
    preview_script_name: `pages-worker--${p.id.slice(0, 7)}-preview`,
    production_script_name: `pages-worker--${p.id.slice(0, 7)}-production`,
    uses_functions: false,
  };
  if (p.source) view.source = p.source;
  return view;
}

export function createProject(
  core: LocalCloudflareCore,
  input: { name: string; production_branch?: string; build_config?: Partial<ProjectRecord['build_config']>; source?: ProjectRecord['source']; deployment_configs?: unknown },
): ProjectRecord {
  const name = String(input.name ?? '');
  // Names: lowercase letters, digits and hyphens, starting with a letter or digit, at most 58 characters.
  if (!/^[a-z0-9][a-z0-9-]{0,57}$/.test(name)) throw Errors.pagesInvalidProjectName();
  if (core.store.data.projects.some((p) => p.name === name)) throw Errors.pagesProjectExists();
  const production_branch = input.production_branch || input.source?.config?.production_branch || 'main';
  const rec: ProjectRecord = {
    id: randomUUID(),
    name,
    created_on: core.isoNow(),
    production_branch,
    subdomain: projectHost(name),
    build_config: {
      build_caching: input.build_config?.build_caching ?? false,
      build_command: input.build_config?.build_command ?? '',
      destination_dir: input.build_config?.destination_dir ?? '',
      root_dir: input.build_config?.root_dir ?? '',
      web_analytics_tag: input.build_config?.web_analytics_tag ?? null,
      web_analytics_token: input.build_config?.web_analytics_token ?? null,
    },
    deployment_configs: defaultConfigs(),
    framework: '',
    framework_version: '',
    rollbacks: {},
  };
  if (input.source) {
    const cfg = input.source.config ?? ({} as Partial<NonNullable<ProjectRecord['source']>['config']>);
    rec.source = {
      type: input.source.type ?? 'github',
      config: {
        owner: cfg.owner ?? 'local',
        owner_id: cfg.owner_id ?? '1',
        repo_name: cfg.repo_name ?? name,
        repo_id: cfg.repo_id ?? '1',
        production_branch,
        deployments_enabled: cfg.deployments_enabled ?? true,
        production_deployments_enabled: cfg.production_deployments_enabled ?? true,
        pr_comments_enabled: cfg.pr_comments_enabled ?? false,
        preview_deployment_setting: cfg.preview_deployment_setting ?? 'all',
        preview_branch_includes: cfg.preview_branch_includes ?? ['*'],
        preview_branch_excludes: cfg.preview_branch_excludes ?? [],
        path_includes: cfg.path_includes ?? ['*'],
        path_excludes: cfg.path_excludes ?? [],
      },
    };
  }
  core.store.data.projects.push(rec);
  core.persist();
  return rec;
}

// --- deployments -----------------------------------------------------------------------------

function newDeployment(
  core: LocalCloudflareCore,
  p: ProjectRecord,
  init: Pick<DeploymentRecord, 'branch' | 'kind' | 'trigger_type' | 'commit_hash' | 'commit_message' | 'commit_dirty' | 'manifest' | 'specialFiles'>,
): DeploymentRecord {
  const id = randomUUID();
  const now = core.now();
  const failure = core.takeBuildFailure(p.name, init.branch);
  const d: DeploymentRecord = {
    id,
    short_id: id.slice(0, 8),
    project_id: p.id,
    project_name: p.name,
    created_on: iso(now),
    createdAtMs: now,
    environment: init.branch === p.production_branch ? 'production' : 'preview',
    stepMs: init.kind === 'git' ? core.timing.buildStepMs : core.timing.directUploadStepMs,
    env_vars: null,
    build_config: p.build_config,
    ...init,
  };
  if (!d.manifest) delete d.manifest;
  if (!d.specialFiles) delete d.specialFiles;
  if (failure) {
    d.failAt = failure.stage ?? 'build';
    if (failure.message) d.failMessage = failure.message;
  }
  core.store.data.deployments.push(d);
  core.persist();
  return d;
}

function findDeployment(ctx: Ctx, p: ProjectRecord): DeploymentRecord {
  const d = ctx.core.store.data.deployments.find((x) => x.project_name === p.name && (x.id === ctx.params.deployment_id || x.short_id === ctx.params.deployment_id));
  if (!d) throw Errors.pagesDeploymentNotFound();
  return d;
}

function projectOf(ctx: Ctx): ProjectRecord {
  ctx.core.checkAccount(ctx.params.account_id);
  return ctx.core.project(ctx.params.project_name!);
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
    const missing = Object.values(manifest).filter((h) => !ctx.core.store.hasAsset(h));
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
  const d = newDeployment(ctx.core, p, {
    branch,
    kind: manifest ? 'direct_upload' : 'git',
    trigger_type: manifest ? 'ad_hoc' : 'github:push',
    commit_hash: str('commit_hash') ?? createHash('sha1').update(`${p.name}:${branch}:${Date.now()}`).digest('hex'),
    commit_message: str('commit_message') ?? (manifest ? 'Direct Upload' : `Deploy ${branch}`),
    commit_dirty: str('commit_dirty') === 'true',
    manifest,
    specialFiles: Object.keys(specialFiles).length ? specialFiles : undefined,
  });
  if (d.specialFiles?.['_worker.js']) await startFunctions(ctx.core, d);
  return { result: deploymentView(ctx.core, d) };
}

/**
 * Advanced-mode Pages Functions: the deployment's `_worker.js` runs as a Worker (with `env.ASSETS`
 * serving its static files). One that does not start fails the deployment at its deploy stage.
 */
async function startFunctions(core: LocalCloudflareCore, d: DeploymentRecord): Promise<void> {
  try {
    await core.syncRuntime();
  } catch (err) {
    d.failAt = 'deploy';
    d.failMessage = `Error: Failed to publish your Function. ${err instanceof Error ? err.message : String(err)}`;
    core.persist();
  }
}

// --- domains ----------------------------------------------------------------------------------

type DomainView = DomainGetResponse;

export function domainStatus(core: LocalCloudflareCore, d: DomainRecord): DomainView['status'] {
  if (d.scenario === 'error') return 'error';
  const elapsed = core.now() - d.createdAtMs;
  if (elapsed < Math.min(d.activationMs / 4, 250)) return 'initializing';
  if (d.scenario === 'stuck' || elapsed < d.activationMs) return 'pending';
  // The certificate authority must have fetched the token through the edge (certificate-authority.ts).
  if (validationPending(d)) return 'pending';
  return 'active';
}

export function domainView(core: LocalCloudflareCore, d: DomainRecord): DomainView {
  const status = domainStatus(core, d);
  const validation: DomainView['validation_data'] =
    status === 'error'
      ? { method: 'http', status: 'error', error_message: 'Validation failed: the hostname does not resolve to your Pages project (CNAME missing or wrong).' }
      : {
          method: 'http',
          status: status === 'active' ? 'active' : status === 'initializing' ? 'initializing' : 'pending',
          ...(status === 'pending' && d.validation_error ? { error_message: d.validation_error } : {}),
        };
  const verification: DomainView['verification_data'] =
    status === 'error' ? { status: 'error', error_message: 'CNAME record not set' } : { status: status === 'active' ? 'active' : 'pending' };
  return {
    id: d.id,
    name: d.name,
    status,
    certificate_authority: d.certificate_authority,
    created_on: d.created_on,
    domain_id: d.domain_id,
    zone_tag: d.zone_tag,
    validation_data: validation,
    verification_data: verification,
  };
}

function findDomain(ctx: Ctx, p: ProjectRecord): DomainRecord {
  const name = ctx.params.domain_name!.toLowerCase();
  const d = ctx.core.store.data.domains.find((x) => x.project_name === p.name && (x.name === name || x.id === name));
  if (!d) throw Errors.pagesDomainNotFound();
  return d;
}

// --- routes -----------------------------------------------------------------------------------

export const pagesRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: P,
    operation: 'pages.projects.list',
    permissions: READ,
    handler: (ctx) => {
      ctx.core.checkAccount(ctx.params.account_id);
      return paginate(ctx.core.store.data.projects.map((p) => projectView(ctx.core, p)), ctx.query, 10, 100);
    },
  },
  {
    method: 'POST',
    template: P,
    operation: 'pages.projects.create',
    permissions: WRITE,
    handler: (ctx) => {
      ctx.core.checkAccount(ctx.params.account_id);
      const body = ctx.json<Parameters<typeof createProject>[1]>();
      return { result: projectView(ctx.core, createProject(ctx.core, body)) };
    },
  },
  {
    method: 'GET',
    template: `${P}/{project_name}`,
    operation: 'pages.projects.get',
    permissions: READ,
    handler: (ctx) => ({ result: projectView(ctx.core, projectOf(ctx)) }),
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
      ctx.core.persist();
      return { result: projectView(ctx.core, p) };
    },
  },
  {
    method: 'DELETE',
    template: `${P}/{project_name}`,
    operation: 'pages.projects.delete',
    permissions: WRITE,
    handler: async (ctx) => {
      const p = projectOf(ctx);
      const d = ctx.core.store.data;
      d.projects = d.projects.filter((x) => x !== p);
      d.deployments = d.deployments.filter((x) => x.project_name !== p.name);
      d.domains = d.domains.filter((x) => x.project_name !== p.name);
      ctx.core.persist();
      await ctx.core.syncRuntime();
      return { result: null };
    },
  },
  {
    method: 'GET',
    template: `${P}/{project_name}/upload-token`,
    operation: 'pages.projects.getUploadToken',
    permissions: WRITE,
    handler: (ctx) => ({ result: { jwt: ctx.core.issueUploadJwt(projectOf(ctx)) } }),
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
      const env = ctx.query.get('env');
      const list = ctx.core.store.data.deployments
        .filter((d) => d.project_name === p.name && (!env || d.environment === env))
        .sort((a, b) => b.createdAtMs - a.createdAtMs);
      return paginate(list, ctx.query, 25, 25, (d) => deploymentView(ctx.core, d));
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
    handler: (ctx) => ({ result: deploymentView(ctx.core, findDeployment(ctx, projectOf(ctx))) }),
  },
  {
    method: 'DELETE',
    template: `${P}/{project_name}/deployments/{deployment_id}`,
    operation: 'pages.projects.deployments.delete',
    permissions: WRITE,
    handler: async (ctx) => {
      const p = projectOf(ctx);
      const d = findDeployment(ctx, p);
      const force = ctx.query.get('force') === 'true';
      if (!force && productionDeployment(ctx.core, p)?.id === d.id) throw Errors.pagesCannotDeleteLive();
      ctx.core.store.data.deployments = ctx.core.store.data.deployments.filter((x) => x !== d);
      delete p.rollbacks[d.id];
      ctx.core.persist();
      if (d.specialFiles?.['_worker.js']) await ctx.core.syncRuntime();
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
      const src = findDeployment(ctx, p);
      const d = newDeployment(ctx.core, p, {
        branch: src.branch,
        kind: src.kind,
        trigger_type: src.trigger_type,
        commit_hash: src.commit_hash,
        commit_message: src.commit_message,
        commit_dirty: src.commit_dirty,
        manifest: src.manifest,
        specialFiles: src.specialFiles,
      });
      if (d.specialFiles?.['_worker.js']) await startFunctions(ctx.core, d);
      return { result: deploymentView(ctx.core, d) };
    },
  },
  {
    method: 'POST',
    template: `${P}/{project_name}/deployments/{deployment_id}/rollback`,
    operation: 'pages.projects.deployments.rollback',
    permissions: WRITE,
    handler: (ctx) => {
      const p = projectOf(ctx);
      const d = findDeployment(ctx, p);
      // Only a successful production deployment can become the live one again.
      if (d.environment !== 'production' || !isLive(d, ctx.core.now()))
        throw new CfApiError(400, { code: 8000035, message: 'You can only roll back to a successful production deployment.' });
      p.rollbacks[d.id] = ctx.core.now();
      ctx.core.persist();
      return { result: deploymentView(ctx.core, d) };
    },
  },
  {
    method: 'GET',
    template: `${P}/{project_name}/deployments/{deployment_id}/history/logs`,
    operation: 'pages.projects.deployments.history.logs.get',
    permissions: READ,
    handler: (ctx) => {
      const d = findDeployment(ctx, projectOf(ctx));
      const { stages } = stageState(d, ctx.core.now());
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
      return { result: hashes.filter((h) => !ctx.core.store.hasAsset(h)) };
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
        ctx.core.store.putAsset(it.key, it.metadata?.contentType ?? 'application/octet-stream', bytes);
      }
      ctx.core.persist();
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
  // custom domains
  {
    method: 'GET',
    template: `${P}/{project_name}/domains`,
    operation: 'pages.projects.domains.list',
    permissions: READ,
    handler: (ctx) => {
      const p = projectOf(ctx);
      return { result: ctx.core.store.data.domains.filter((d) => d.project_name === p.name).map((d) => domainView(ctx.core, d)) };
    },
  },
  {
    method: 'POST',
    template: `${P}/{project_name}/domains`,
    operation: 'pages.projects.domains.create',
    permissions: WRITE,
    handler: (ctx) => {
      const p = projectOf(ctx);
      const { name: raw } = ctx.json<{ name?: string }>();
      const name = String(raw ?? '').trim().toLowerCase().replace(/\.$/, '');
      if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(name))
        throw new CfApiError(400, { code: 8000039, message: 'Invalid domain name. Enter a valid domain, e.g. shop.example.com.' });
      const existing = ctx.core.store.data.domains.find((d) => d.name === name);
      if (existing) throw existing.project_name === p.name ? Errors.pagesDomainExists() : Errors.pagesDomainUnavailable();
      const zone = ctx.core.store.data.zones.find((z) => name === z.name || name.endsWith(`.${z.name}`));
      const rec: DomainRecord = {
        id: randomUUID(),
        name,
        project_name: p.name,
        created_on: ctx.core.isoNow(),
        createdAtMs: ctx.core.now(),
        domain_id: randomUUID(),
        zone_tag: zone?.id ?? hexId(),
        activationMs: ctx.core.timing.domainActivationMs,
        scenario: ctx.core.domainScenarioFor(name) ?? 'normal',
        certificate_authority: 'google',
        txt_value: hexId(),
        acme_token: randomBytes(24).toString('base64url'),
      };
      ctx.core.store.data.domains.push(rec);
      ctx.core.persist();
      return { result: domainView(ctx.core, rec) };
    },
  },
  {
    method: 'GET',
    template: `${P}/{project_name}/domains/{domain_name}`,
    operation: 'pages.projects.domains.get',
    permissions: READ,
    handler: (ctx) => ({ result: domainView(ctx.core, findDomain(ctx, projectOf(ctx))) }),
  },
  {
    method: 'PATCH',
    template: `${P}/{project_name}/domains/{domain_name}`,
    operation: 'pages.projects.domains.edit',
    permissions: WRITE,
    handler: (ctx) => {
      // "Retry validation": an errored domain starts over (unless a scenario still says error).
      const d = findDomain(ctx, projectOf(ctx));
      if (domainStatus(ctx.core, d) === 'error') {
        d.scenario = ctx.core.domainScenarioFor(d.name) === 'error' ? 'error' : 'normal';
        d.createdAtMs = ctx.core.now();
        delete d.validation_error;
        ctx.core.certificateAuthority?.reset(d.id);
        ctx.core.persist();
      }
      return { result: domainView(ctx.core, d) };
    },
  },
  {
    method: 'DELETE',
    template: `${P}/{project_name}/domains/{domain_name}`,
    operation: 'pages.projects.domains.delete',
    permissions: WRITE,
    handler: (ctx) => {
      const d = findDomain(ctx, projectOf(ctx));
      ctx.core.store.data.domains = ctx.core.store.data.domains.filter((x) => x !== d);
      ctx.core.persist();
      return { result: null };
    },
  },
];

export { LOCAL_ACCOUNT_ID };
export type { StageName };
