/**
 * nextdeploy on a real Temporal cluster: the Temporal server built from go.temporal.io/server on
 * PostgreSQL, three worker processes on one task queue, the local Cloudflare. Deploys are judged
 * from Cloudflare's side: each app live with exactly one Pages deployment, one DNS record, one
 * custom domain and one versions entry, whatever was killed on the way.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxInWindow, tallyRequests } from '../bench/deploy-lib.ts';
import type { WorkerProcess } from '../devstack/worker-process.ts';
import { startFaultStack, type FaultStack } from '../faults/harness.ts';
import { scanForToken } from '../faults/secrets.ts';
import { startTemporalCluster, type TemporalCluster } from './cluster.ts';
import { finishFleet, startFleet, whereItRan } from './fleet.ts';

let dir: string;
let cluster: TemporalCluster;
let stack: FaultStack;
let workers: WorkerProcess[] = [];

/** Stops the current workers and starts `n` new ones with this environment. */
async function replaceWorkers(n: number, env: NodeJS.ProcessEnv = {}): Promise<void> {
  await Promise.all(workers.map((w) => w.stop()));
  workers = [];
  for (let i = 0; i < n; i++) workers.push(await stack.spawnWorker({ env }));
}

/** Resolves once `n` of the fleet's deploys have passed their first activities (work is spread and in flight). */
async function inFlight(handles: { describe(): Promise<{ historyLength: number }> }[], n: number): Promise<void> {
  for (;;) {
    const lengths = await Promise.all(handles.map((h) => h.describe().then((d) => d.historyLength, () => 0)));
    if (lengths.filter((l) => l >= 12).length >= n) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nextdeploy-cluster-'));
  cluster = await startTemporalCluster({ dir, log: () => undefined });
  stack = await startFaultStack({ temporal: cluster.server });
  await replaceWorkers(3);
});

afterAll(async () => {
  await stack?.stop();
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the cluster', () => {
  it('serves the Web UI for its namespace, with the search attributes registered', async () => {
    const res = await fetch(`${cluster.ui!.url}/api/v1/namespaces/default/search-attributes`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { customAttributes?: Record<string, string> };
    expect(body.customAttributes).toMatchObject({ App: 'INDEXED_VALUE_TYPE_KEYWORD', DeployVersion: 'INDEXED_VALUE_TYPE_KEYWORD' });
  });

  it('runs 50 deploys of different apps across 3 workers, all live and exactly once', async () => {
    const fleet = await startFleet(stack, 'fifty-', 50);
    const end = await finishFleet(stack, fleet);
    expect(end.failures).toEqual([]);
    expect(end.wrong).toEqual([]);
    expect(end.live).toBe(50);
    const { pidsByWorkflow } = await whereItRan(fleet.handles);
    const ran = new Set(pidsByWorkflow.flatMap((s) => [...s]));
    for (const w of workers) expect(ran).toContain(w.pid);
    // Deploys are visible by app in visibility (PostgreSQL), as the CLI's status command lists them.
    const listed = [];
    for await (const wf of stack.client().workflow.list({ query: `App = "fifty-7"` })) listed.push(wf.workflowId);
    expect(listed).toEqual(['deploy-fifty-7']);
  });

  it('finishes a SIGKILLed worker’s deploys on the other workers', async () => {
    const fleet = await startFleet(stack, 'wkill-', 24);
    await inFlight(fleet.handles, 6);
    const victim = workers[0]!;
    await victim.kill();
    const end = await finishFleet(stack, fleet);
    expect(end.failures).toEqual([]);
    expect(end.wrong).toEqual([]);
    const { pidsByWorkflow } = await whereItRan(fleet.handles);
    // Some deploys ran on the killed worker and ended on another.
    const moved = pidsByWorkflow.filter((pids) => pids.has(victim.pid) && pids.size > 1);
    expect(moved.length).toBeGreaterThan(0);
    await replaceWorkers(3);
  });

  it('loses nothing and duplicates nothing when the Temporal server is killed and restarted mid-fleet', async () => {
    stack.cf.clearMutations();
    const fleet = await startFleet(stack, 'skill-', 24);
    await inFlight(fleet.handles, 6);
    const killedPid = cluster.server.pid;
    await cluster.server.kill();
    await new Promise((r) => setTimeout(r, 2_000));
    await cluster.server.restart();
    expect(cluster.server.pid).not.toBe(killedPid);
    const end = await finishFleet(stack, fleet);
    expect(end.failures).toEqual([]);
    // One Pages deployment, DNS record, domain and versions entry per app (deployedCorrectly).
    expect(end.wrong).toEqual([]);
    expect(end.live).toBe(24);
    // The workers that were polling the killed server are the ones that finished the fleet.
    for (const w of workers) expect(w.child.exitCode).toBeNull();
  });

  it('stays inside Cloudflare’s 1,200 calls / 5 min with 3 workers sharing the task queue’s rate limit (time compressed ×10)', async () => {
    // ×10: the window is 30 s instead of 300 s, the limits 10× the product's. The queue limit is
    // the server's, across all workers; the per-call budget is the product's 3.6 calls/s split
    // across the 3 workers sharing one token.
    const COMPRESS = 10;
    const QUEUE_LIMIT = 6;
    stack.cf.setRateLimit({ requests: 1_200, windowMs: 300_000 / COMPRESS });
    await replaceWorkers(3, {
      NEXTDEPLOY_MAX_TASK_QUEUE_ACTIVITIES_PER_SECOND: String(QUEUE_LIMIT),
      NEXTDEPLOY_MAX_ACTIVITIES_PER_SECOND: 'off',
      NEXTDEPLOY_CLOUDFLARE_CALLS_PER_SECOND: String((3.6 * COMPRESS) / 3),
      NEXTDEPLOY_CLOUDFLARE_CALL_BURST: '10',
    });
    const tally = tallyRequests(stack.cf);
    const fleet = await startFleet(stack, 'budget-', 30);
    const end = await finishFleet(stack, fleet);
    expect(end.failures).toEqual([]);
    expect(end.wrong).toEqual([]);
    expect(tally.entries.filter((e) => e.status === 429)).toEqual([]);
    expect(maxInWindow(tally.entries, 300_000 / COMPRESS)).toBeLessThanOrEqual(1_200);
    // The queue's limit held across all three workers together, not per worker (3 × 6 = 18/s).
    const { activityStarts, pidsByWorkflow } = await whereItRan(fleet.handles);
    const seconds = (activityStarts.at(-1)! - activityStarts[0]!) / 1000;
    expect(activityStarts.length / seconds).toBeLessThanOrEqual(QUEUE_LIMIT * 1.25);
    const ran = new Set(pidsByWorkflow.flatMap((s) => [...s]));
    for (const w of workers) expect(ran).toContain(w.pid);
    stack.cf.setRateLimit({ requests: 1_000_000, windowMs: 300_000 });
  });

  it('keeps the token out of every history in PostgreSQL, the worker logs and the cluster’s logs', async () => {
    const summary = { histories: 0, files: 0, captured: 0 };
    expect(await scanForToken(stack, { summary })).toEqual([]);
    expect(summary.histories).toBeGreaterThanOrEqual(128);
    for (const name of readdirSync(path.join(dir, 'logs'))) expect(readFileSync(path.join(dir, 'logs', name), 'utf8')).not.toContain(stack.token);
  });
});
