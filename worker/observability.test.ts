// The worker process as a fleet member runs it (`npm run worker` with the cluster's environment):
// one deploy on the local stack, then what operators see of it: JSON log lines per step,
// Prometheus metrics, the signed webhook, and how many Cloudflare calls it cost.
// The worker is a child process: Runtime.install is once per process, and vitest's setup already
// installed a quiet one here.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, tsxNodeArgs } from '../devstack/paths.ts';
import { freePort } from '../devstack/free-port.ts';
import type { DeployResult } from '../core/workflow-contracts.ts';
import { parseDeployInput, type DeployInputRaw } from '../core/deploy-input.ts';
import { deployStepPlan } from '../workflows/deploy-steps.ts';
import { verifyWebhook, WEBHOOK_HEADERS } from '../activities/webhook.ts';
import { startDeploy } from '../workflows/client.ts';
import { CallBudget, DEFAULT_CALL_BUDGET } from '../activities/call-budget.ts';
import { startLocalDeployStack, LOCAL_APPS_DOMAIN, type LocalDeployStack } from './local-stack.ts';

const APP = 'obs1';
const TASK_QUEUE = 'nextdeploy-observability';
const WEBHOOK_SECRET = 'whsec-observability-3f9a7c21d4e8b6a0';
let stack: LocalDeployStack;
let worker: ChildProcess;
let stdout = '';
let stderr = '';
let metricsUrl: string;
let webhookServer: Server;
const webhookRequests: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
let input: DeployInputRaw;
let result: DeployResult;
let scheduledActivities = 0;
let apiRequests = 0;

function site(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'nextdeploy-obs-'));
  for (const [name, body] of Object.entries({ 'index.html': '<h1>v1</h1>', 'health.html': 'ok' })) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), body);
  }
  return dir;
}

async function waitFor(what: string, ok: () => boolean, ms = 120_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) if (ok()) return;
  throw new Error(`timed out waiting for ${what}; worker output:\n${stdout}\n${stderr}`);
}

beforeAll(async () => {
  stack = await startLocalDeployStack({ worker: false, projects: ['obs'], cloudflare: { timing: { directUploadStepMs: 30, buildStepMs: 30, domainActivationMs: 200 } } });
  webhookServer = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      webhookRequests.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  const [webhookPort, metricsPort] = [await freePort(), await freePort()];
  await new Promise<void>((r) => webhookServer.listen(webhookPort, '127.0.0.1', r));
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;

  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(CLOUDFLARE_|TEMPORAL_|NEXTDEPLOY_|OTEL_)/.test(k)));
  worker = spawn(process.execPath, tsxNodeArgs(path.join(PROJECT_ROOT, 'worker', 'main.ts')), {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...inherited,
      TEMPORAL_ADDRESS: stack.temporal.address,
      TEMPORAL_NAMESPACE: stack.temporal.namespace,
      CLOUDFLARE_API_TOKEN: stack.cf.token,
      CLOUDFLARE_API_BASE_URL: stack.cf.apiBaseUrl,
      CLOUDFLARE_ACCOUNT_ID: stack.cf.accountId,
      CLOUDFLARE_ZONE_ID: stack.cf.zone.id,
      NEXTDEPLOY_EDGE_CONNECT_TO: stack.edgeHost,
      NEXTDEPLOY_TASK_QUEUE: TASK_QUEUE,
      NEXTDEPLOY_MAX_ACTIVITIES_PER_SECOND: '100',
      NEXTDEPLOY_MAX_TASK_QUEUE_ACTIVITIES_PER_SECOND: '100',
      NEXTDEPLOY_METRICS_PORT: String(metricsPort),
      NEXTDEPLOY_METRICS_BIND: '127.0.0.1',
      NEXTDEPLOY_WEBHOOK_URL: `http://127.0.0.1:${webhookPort}/hooks/deploys`,
      NEXTDEPLOY_WEBHOOK_SECRET: WEBHOOK_SECRET,
    },
  });
  worker.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  worker.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor('the worker to start', () => stdout.includes('nextdeploy worker:'));

  const before = stack.cf.requestCount();
  input = {
    app: APP,
    version: 'v1',
    accountId: stack.cf.accountId,
    zoneId: stack.cf.zone.id,
    kvNamespaceId: stack.kvNamespaceId,
    pagesProject: 'obs',
    source: { type: 'directory', path: site(), branch: 'main' },
    metadata: { app: APP, version: 'v1', defaultTarget: 'https://obs.pages.dev', routes: {} },
    hostname: `${APP}.nextdeploy.test`,
    checks: { hostname: `${APP}.${LOCAL_APPS_DOMAIN}`, paths: ['/', '/health'], propagationWindowMs: 1_500, retryIntervalMs: 200, requestTimeoutMs: 3_000 },
    timing: { buildTimeoutMs: 60_000, pollInitialIntervalMs: 100, pollMaxIntervalMs: 500, domainTimeoutMs: 60_000, bakeMs: 0 },
  };
  const { handle } = await startDeploy(stack.client, input, { taskQueue: TASK_QUEUE });
  result = await handle.result();
  // Workflow log lines are written once the final activation completes: wait for the last one.
  await waitFor('the final log line', () => stdout.includes('"deploy live"'));
  apiRequests = stack.cf.requestCount() - before;
  scheduledActivities = (await handle.fetchHistory()).events?.filter((e) => e.activityTaskScheduledEventAttributes).length ?? 0;
}, 180_000);

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    const exited = new Promise((r) => worker.once('exit', r));
    worker.kill('SIGTERM');
    await exited;
  }
  await new Promise<void>((r) => (webhookServer ? webhookServer.close(() => r()) : r()));
  await stack?.stop();
});

/** Every stdout line, parsed: the worker writes nothing but JSON lines there. */
const logLines = () =>
  stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('a worker process with metrics, JSON logs and the webhook on', () => {
  it('deploys', () => {
    expect(result).toMatchObject({ status: 'live', liveVersion: 'v1' });
  });

  it('logs one JSON line per step transition with app, version, step, status, attempt and duration', () => {
    const steps = logLines().filter((l) => typeof l.step === 'string' && l.workflowType === 'deployWorkflow');
    for (const line of steps) {
      expect(line).toMatchObject({ level: expect.stringMatching(/^(INFO|WARN)$/), app: APP, version: 'v1', attempt: expect.any(Number), workflowId: `deploy-${APP}` });
      expect(Date.parse(line.time as string)).not.toBeNaN();
    }
    const transitions = steps.map((l) => `${l.step}:${l.status}`);
    // A Pages Direct Upload with no bake window: the Workers row's upload-version and the bake
    // are skipped, as the step table's `when` says for this input; every other step runs once.
    const plan = deployStepPlan(parseDeployInput(input));
    expect(plan.filter((s) => s.applies !== true).map((s) => s.name)).toEqual(['upload-version', 'worker-domain', 'bake']);
    const expected = plan.flatMap((s) => (s.applies === true ? [`${s.name}:running`, `${s.name}:succeeded`] : [`${s.name}:skipped`]));
    expect(transitions).toEqual(expected);
    const finished = steps.filter((l) => l.status === 'succeeded');
    expect(finished.every((l) => typeof l.durationMs === 'number' && l.durationMs >= 0)).toBe(true);
    const ran = plan.filter((s) => s.applies === true);
    expect(steps.filter((l) => l.status === 'running').map((l) => [l.step, l.durationMs, l.attempt])).toEqual(ran.map((s) => [s.name, undefined, 1]));
    expect(logLines().some((l) => l.message === 'deploy live' && l.status === 'live' && l.app === APP)).toBe(true);
  });

  it('never prints the Cloudflare token or the webhook secret', () => {
    expect(stdout + stderr).not.toContain(stack.cf.token);
    expect(stdout + stderr).not.toContain(WEBHOOK_SECRET);
  });

  it("serves Temporal's runtime metrics and the deploy metrics on /metrics", async () => {
    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/^temporal_workflow_completed_total\{/m);
    expect(text).toMatch(/^temporal_activity_execution_latency\w*_bucket\{/m);
    expect(text).toMatch(new RegExp(`^nextdeploy_deploys_started_total\\{[^}]*app="${APP}"[^}]*\\} 1$`, 'm'));
    expect(text).toMatch(new RegExp(`^nextdeploy_deploys_finished_total\\{[^}]*status="live"[^}]*\\} 1$`, 'm'));
    expect(text).toMatch(/^nextdeploy_step_duration\w*_bucket\{[^}]*step="flip"/m);
    expect(text).toMatch(/^nextdeploy_step_duration\w*_count\{[^}]*status="succeeded",step="kv-write"[^}]*\} 1$/m);
  });

  it('posts one signed notification of the final status to the webhook', () => {
    expect(webhookRequests).toHaveLength(1);
    const [request] = webhookRequests;
    const header = (name: string) => request!.headers[name] as string | undefined;
    expect(verifyWebhook(WEBHOOK_SECRET, { timestamp: header(WEBHOOK_HEADERS.timestamp), signature: header(WEBHOOK_HEADERS.signature) }, request!.body)).toBe(true);
    expect(verifyWebhook('some-other-secret-value', { timestamp: header(WEBHOOK_HEADERS.timestamp), signature: header(WEBHOOK_HEADERS.signature) }, request!.body)).toBe(false);
    expect(JSON.parse(request!.body)).toMatchObject({ app: APP, version: 'v1', status: 'live', liveVersion: 'v1', workflowId: `deploy-${APP}` });
    expect(request!.body).not.toContain(stack.cf.token);
  });

  it('stays inside the token budget by default and costs few Cloudflare calls per activity (docs/cluster.md)', () => {
    // Budget: 1,200 calls / 5 min per token. The per-call budget in front of the SDK is the
    // guard; activities averaging at most 3.5 calls keep the activity limit's bursts small.
    expect(new CallBudget(DEFAULT_CALL_BUDGET).maxCallsIn(300_000)).toBeLessThanOrEqual(1_200);
    expect(scheduledActivities).toBeGreaterThan(5);
    expect(apiRequests / scheduledActivities).toBeLessThanOrEqual(3.5);
  });
});
