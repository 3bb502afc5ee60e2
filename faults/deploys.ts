/**
 * Starting deploys the way the CLI does (same workflow id, options and search attributes) and
 * judging how they ended from the emulator's own state.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { parseDeployInput, type DeployInput, type DeployInputRaw } from '../core/deploy-input.ts';
import { WORKERS_BUNDLE_FILE } from '../core/workers-bundle.ts';
import { progressQuery, type DeployProgress, type DeployResult } from '../core/workflow-contracts.ts';
import { startDeployWorkflow } from '../workflows/client.ts';
import { deployStepPlan, type DeployStepName } from '../workflows/deploy-steps.ts';
import { FAULT_PROJECT, type FaultStack } from './harness.ts';
import { appKv } from './observe.ts';

/** Choices of one test deploy; everything has a fast default. */
export interface TestDeployOptions {
  version?: string;
  project?: string;
  bakeMs?: number;
  /** Overrides of the input's `timing` / `checks`. */
  timing?: Partial<DeployInput['timing']>;
  checks?: Partial<DeployInput['checks']>;
  /**
   * `git`: a git deployment (the emulator's build-time stages apply); `workers`: a Worker version
   * of the app's own Worker (the Workers row, {@link writeWorkersBundle}); `workers-native` the
   * same with Cloudflare-native routing (the hostname as the Worker's custom domain); default a
   * Direct Upload.
   */
  source?: 'git' | 'directory' | 'workers' | 'workers-native';
}

/** The hostname an app answers on (inside the zone, served by the router). */
export function hostFor(app: string): string {
  return `${app}.apps.nextdeploy.test`;
}

/**
 * The hostname of an app with Cloudflare-native routing: outside the router's `*.apps.` route,
 * since a zone route runs before a Workers custom domain (on Cloudflare and at the local edge).
 */
export function nativeHostFor(app: string): string {
  return `${app}.nextdeploy.test`;
}

/** A small static build with the version in it, written under the stack's temp folder. */
export function writeBuild(stack: FaultStack, app: string, version: string): string {
  const dir = path.join(stack.dir, 'builds', app, version);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'index.html'), `<!doctype html><h1>${app} ${version}</h1>`);
  writeFileSync(path.join(dir, 'about.html'), `<!doctype html><p>about ${app}</p>`);
  return dir;
}

/** The Worker a Workers-source app uploads its versions to: one per app, named after it. */
export function scriptFor(app: string): string {
  return app;
}

/** `<script>.<subdomain>.workers.dev`: a Workers app's CNAME target and its metadata's origin. */
export function workerHostFor(stack: FaultStack, app: string): string {
  return `${scriptFor(app)}.${stack.cf.state().workersSubdomain}.workers.dev`;
}

/**
 * A tiny Workers bundle as build/workers-bundle.ts lays one out: one module answering with the
 * app and version, and the static build's pages as assets (so the upload opens an assets session).
 */
export function writeWorkersBundle(stack: FaultStack, app: string, version: string): string {
  const dir = path.join(stack.dir, 'workers-bundles', app, version);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'index.js'), `export default { fetch() { return new Response(${JSON.stringify(`${app} ${version}`)}); } };\n`);
  const assets = path.join(dir, 'assets');
  mkdirSync(assets, { recursive: true });
  writeFileSync(path.join(assets, 'index.html'), `<!doctype html><h1>${app} ${version}</h1>`);
  writeFileSync(path.join(assets, 'about.html'), `<!doctype html><p>about ${app}</p>`);
  const manifest = { schema: 1, mainModule: 'index.js', modules: [{ name: 'index.js', type: 'esm' }], assetsDir: 'assets', assetsBinding: 'ASSETS', compatibilityDate: '2026-11-01' };
  writeFileSync(path.join(dir, WORKERS_BUNDLE_FILE), JSON.stringify(manifest));
  return dir;
}

/** A validated deploy input, shaped like the CLI's for the embedded stack but with shorter waits. */
export function testDeployInput(stack: FaultStack, app: string, options: TestDeployOptions = {}): DeployInput {
  const version = options.version ?? 'v1';
  const project = options.project ?? FAULT_PROJECT;
  const workers = options.source === 'workers' || options.source === 'workers-native';
  // A Workers app is served from its Worker's host and has no Pages custom domain (core/deploy-input.ts).
  const origin = workers ? workerHostFor(stack, app) : `${project}.pages.dev`;
  const raw: DeployInputRaw = {
    app,
    version,
    accountId: stack.cf.accountId,
    zoneId: stack.cf.zone.id,
    kvNamespaceId: stack.kvNamespaceId,
    pagesProject: project,
    source: workers
      ? {
          type: 'workers',
          path: writeWorkersBundle(stack, app, version),
          script: scriptFor(app),
          subdomain: stack.cf.state().workersSubdomain,
          routing: options.source === 'workers-native' ? 'native' : 'router',
        }
      : options.source === 'git'
        ? { type: 'git', branch: 'main' }
        : { type: 'directory', path: writeBuild(stack, app, version), branch: 'main' },
    metadata: { app, version, defaultTarget: `https://${origin}`, routes: { '/about': `https://${origin}/about` } },
    hostname: options.source === 'workers-native' ? nativeHostFor(app) : hostFor(app),
    ...(workers ? { customDomain: { enabled: false } } : {}),
    checks: { paths: ['/', '/about'], requestTimeoutMs: 5_000, propagationWindowMs: 15_000, retryIntervalMs: 200, ...options.checks },
    timing: {
      buildTimeoutMs: 120_000,
      domainTimeoutMs: 120_000,
      pollInitialIntervalMs: 100,
      pollMaxIntervalMs: 1_000,
      bakeMs: options.bakeMs ?? 0,
      bakeCheckIntervalMs: 300,
      ...options.timing,
    },
  };
  return parseDeployInput(raw);
}

/**
 * A test input for `app` that runs `step`: a Direct Upload when the step applies to one, else a
 * Workers source (upload-version is the Workers row's). The step table's own `when` decides, so
 * a step added for one source kind is exercised by a deploy of that kind.
 */
export function inputForStep(stack: FaultStack, app: string, step: DeployStepName, options: Omit<TestDeployOptions, 'source'> = {}): DeployInput {
  for (const source of ['directory', 'workers', 'workers-native'] as const) {
    const input = testDeployInput(stack, app, { ...options, source });
    if (deployStepPlan(input).find((s) => s.name === step)?.applies === true) return input;
  }
  throw new Error(`no test deploy of ${app} runs the ${step} step; give it the options that make it apply`);
}

/** Starts `deploy-<app>` exactly as `start-deploy` does. */
export function startDeploy(stack: FaultStack, input: DeployInput): Promise<WorkflowHandle> {
  return startDeployWorkflow(stack.client(), input);
}

/** The deploy's result, or the failure it ended with (as `{ error }`). */
export async function outcome(handle: WorkflowHandle): Promise<{ result?: DeployResult; error?: Error & { cause?: unknown } }> {
  try {
    return { result: (await handle.result()) as DeployResult };
  } catch (error) {
    return { error: error as Error };
  }
}

/** The failure type deep in a workflow failure (ApplicationFailure.type), if any. */
export function failureType(error: unknown): string | undefined {
  let e = error as { type?: string; cause?: unknown } | undefined;
  for (let i = 0; e && i < 5; i++) {
    if (typeof e.type === 'string') return e.type;
    e = e.cause as typeof e;
  }
  return undefined;
}

/** Polls the progress query until `predicate` holds (the worker must be alive to answer). */
export async function waitForProgress(handle: WorkflowHandle, predicate: (p: DeployProgress) => boolean, timeoutMs = 60_000): Promise<DeployProgress> {
  const deadline = Date.now() + timeoutMs;
  let last: DeployProgress | undefined;
  while (Date.now() < deadline) {
    try {
      last = await handle.query(progressQuery);
      if (predicate(last)) return last;
    } catch {
      // No workflow task has run yet.
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`progress did not reach the expected state within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

/** What the emulator holds for one app after its deploys. */
export async function deployFacts(stack: FaultStack, app: string, project = FAULT_PROJECT) {
  const state = stack.cf.state();
  const marker = (version: string) => `nextdeploy ${app}@${version}`;
  const host = hostFor(app);
  const kv = await appKv(stack.cf, stack.kvNamespaceId, app);
  return {
    deploymentsOf: (version: string) => state.deployments.filter((d) => d.project_name === project && d.commit_message.includes(marker(version))),
    /** Versions of the app's Worker annotated with the version's marker (the Workers row's "deployment"). */
    workerVersionsOf: (version: string) => state.workerVersions.filter((v) => v.script === scriptFor(app) && v.annotations['workers/message'] === marker(version)),
    dnsRecords: state.dnsRecords.filter((r) => r.record.name === host),
    domains: state.domains.filter((d) => d.name === host),
    active: kv.active,
    versions: kv.versions,
  };
}

/**
 * The version the router serves for an app, waiting up to `timeoutMs` for `expected`: the router
 * keeps a compiled table per isolate for up to ISOLATE_CACHE_MS (1 s), so a flip shows shortly after.
 */
export async function servedVersion(stack: FaultStack, app: string, expected: string, timeoutMs = 10_000, host = hostFor(app)): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await stack.cf.edgeRequest(host, '/');
    // Through the router the header says; natively routed, the page itself (`<h1><app> <version></h1>`).
    const served = (res.headers['x-nextdeploy-version'] as string | undefined) ?? new RegExp(`<h1>${app} (\\S+)</h1>`).exec(res.body)?.[1];
    if (served === expected || Date.now() > deadline) return served;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The outcomes of several deploys, or, if some are still running after `timeoutMs`, an error that
 * says where each of those is (step, status, attempts), instead of a bare test timeout.
 */
export async function outcomesWithin(handles: WorkflowHandle[], timeoutMs: number): Promise<Awaited<ReturnType<typeof outcome>>[]> {
  const done = new Set<string>();
  const all = Promise.all(handles.map(async (h) => {
    const end = await outcome(h);
    done.add(h.workflowId);
    return end;
  }));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(async () => {
      const stuck: string[] = [];
      for (const h of handles.filter((x) => !done.has(x.workflowId))) {
        try {
          const p = await h.query(progressQuery);
          const step = p.steps.find((s) => s.name === p.currentStep);
          stuck.push(`${h.workflowId}: ${p.status} in ${p.currentStep ?? '-'} (attempts ${step?.attempts ?? '?'}, ${step?.detail ?? ''})`);
        } catch (err) {
          stuck.push(`${h.workflowId}: no progress answer (${(err as Error).message})`);
        }
      }
      reject(new Error(`${stuck.length} of ${handles.length} deploys still running after ${timeoutMs} ms:\n${stuck.join('\n')}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([all, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The TestDeployOptions source kind an input was made from (to deploy another version of the same kind). */
export function sourceKindOf(input: DeployInput): NonNullable<TestDeployOptions['source']> {
  if (input.source.type === 'workers') return input.source.routing === 'native' ? 'workers-native' : 'workers';
  return input.source.type;
}
