/**
 * The Pages model: deployments and their derived views (projects are pages/projects.ts), apart
 * from the HTTP routes (handlers/pages.ts) so the edge reads a model, not a handler file.
 *
 * Deployment stages are derived from the clock when read, so they advance at the configured pace
 * without timers and stay right across a restart.
 */
import { randomUUID } from 'node:crypto';
import type { Deployment, Stage } from 'cloudflare/resources/pages/projects/projects';
import { PAGES_DEV_SUFFIX } from '../constants.ts';
import type { AccountModel } from '../account-model.ts';
import { STAGES, type DeploymentRecord, type ProjectRecord } from '../state.ts';

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

export function deploymentView(account: AccountModel, d: DeploymentRecord): DeploymentView {
  const project = account.store.data.projects.find((p) => p.name === d.project_name);
  const { stages, latest } = stageState(d, account.now());
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
export function productionDeployment(account: AccountModel, project: ProjectRecord): DeploymentRecord | undefined {
  const now = account.now();
  let best: { d: DeploymentRecord; at: number; rolledBack: boolean } | undefined;
  for (const d of account.store.data.deployments) {
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

export function latestForBranch(account: AccountModel, project: string, alias: string): DeploymentRecord | undefined {
  const now = account.now();
  return account.store.data.deployments
    .filter((d) => d.project_name === project && branchAlias(d.branch) === alias && isLive(d, now))
    .sort((a, b) => b.createdAtMs - a.createdAtMs)[0];
}

// --- deployments -----------------------------------------------------------------------------

/** Records a new deployment of `p`; a scripted build failure (takeBuildFailure) is fixed at creation. */
export function newDeployment(
  account: AccountModel,
  p: ProjectRecord,
  init: Pick<DeploymentRecord, 'branch' | 'kind' | 'trigger_type' | 'commit_hash' | 'commit_message' | 'commit_dirty' | 'manifest' | 'specialFiles'>,
): DeploymentRecord {
  const id = randomUUID();
  const now = account.now();
  const failure = account.takeBuildFailure(p.name, init.branch);
  const d: DeploymentRecord = {
    id,
    short_id: id.slice(0, 8),
    project_id: p.id,
    project_name: p.name,
    created_on: iso(now),
    createdAtMs: now,
    environment: init.branch === p.production_branch ? 'production' : 'preview',
    stepMs: init.kind === 'git' ? account.timing.buildStepMs : account.timing.directUploadStepMs,
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
  account.store.data.deployments.push(d);
  account.persist();
  return d;
}


/**
 * Advanced-mode Pages Functions: the deployment's `_worker.js` runs as a Worker (with `env.ASSETS`
 * serving its static files). One that does not start fails the deployment at its deploy stage.
 */
export async function startFunctions(account: AccountModel, d: DeploymentRecord): Promise<void> {
  try {
    await account.syncRuntime();
  } catch (err) {
    d.failAt = 'deploy';
    d.failMessage = `Error: Failed to publish your Function. ${err instanceof Error ? err.message : String(err)}`;
    account.persist();
  }
}

/** A project's deployments, newest first; `environment` narrows to production or preview. */
export function listDeployments(account: AccountModel, project: string, environment?: string | null): DeploymentRecord[] {
  return account.store.data.deployments
    .filter((d) => d.project_name === project && (!environment || d.environment === environment))
    .sort((a, b) => b.createdAtMs - a.createdAtMs);
}

/** A project's deployment by id or short id, as the API's `{deployment_id}` and the pages.dev label accept. */
export function findDeployment(account: AccountModel, project: string, idOrShortId: string): DeploymentRecord | undefined {
  return account.store.data.deployments.find((d) => d.project_name === project && (d.id === idOrShortId || d.short_id === idOrShortId));
}

/** The deployment a `<short id>.<project>.pages.dev` label names. */
export function findDeploymentByShortId(account: AccountModel, project: string, shortId: string): DeploymentRecord | undefined {
  return account.store.data.deployments.find((d) => d.project_name === project && d.short_id === shortId);
}

export function findDeploymentById(account: AccountModel, id: string): DeploymentRecord | undefined {
  return account.store.data.deployments.find((d) => d.id === id);
}

/** Deletes the deployment (and any rollback to it); its Functions stop with it. */
export async function removeDeployment(account: AccountModel, p: ProjectRecord, d: DeploymentRecord): Promise<void> {
  account.store.data.deployments = account.store.data.deployments.filter((x) => x !== d);
  delete p.rollbacks[d.id];
  account.persist();
  if (d.specialFiles?.['_worker.js']) await account.syncRuntime();
}
