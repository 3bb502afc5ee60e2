/**
 * `npm run bench:cluster`: the same fleet of fresh-app deploys on the embedded dev server (the
 * baseline) and on the cluster (Temporal server on PostgreSQL), with one worker and with three,
 * in one run. Prints worker CPU per deploy, deploys per minute per worker, and memory per worker,
 * with ratios against the dev server's figures; writes bench/results/cluster.md.
 *
 *   npx tsx bench/cluster.ts [--fleet 30] [--workers 3]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startTemporalCluster } from '../cluster/cluster.ts';
import { finishFleet, startFleet } from '../cluster/fleet.ts';
import { PROJECT_ROOT } from '../devstack/paths.ts';
import type { WorkerProcess } from '../devstack/worker-process.ts';
import { startFaultStack, type FaultStack, type FaultStackOptions } from '../faults/harness.ts';
import { cpuSeconds, memoryMiB, table } from './deploy-lib.ts';

const { values: flags } = parseArgs({ options: { fleet: { type: 'string', default: '30' }, workers: { type: 'string', default: '3' } } });
const FLEET = Number(flags.fleet);
const WORKERS = Number(flags.workers);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

interface Run {
  label: string;
  workers: number;
  wallMs: number;
  correct: number;
  /** Worker CPU seconds, all workers together. */
  cpu: number;
  /** Temporal server CPU seconds. */
  serverCpu: number;
  /** Peak resident memory of each worker, MiB. */
  memory: number[];
}

/** One fleet on this stack through `n` fresh workers; CPU and memory read the moment the last deploy ends. */
async function measure(stack: FaultStack, label: string, prefix: string, n: number, serverPid: () => number): Promise<Run> {
  const workers: WorkerProcess[] = [];
  for (let i = 0; i < n; i++) workers.push(await stack.spawnWorker());
  try {
    const before = workers.map((w) => cpuSeconds(w.pid));
    const serverBefore = cpuSeconds(serverPid());
    const t0 = Date.now();
    const fleet = await startFleet(stack, prefix, FLEET);
    const ends = await Promise.all(fleet.handles.map((h) => h.result().catch(() => undefined)));
    const wallMs = Date.now() - t0;
    const cpu = workers.reduce((sum, w, i) => sum + cpuSeconds(w.pid) - before[i]!, 0);
    const serverCpu = cpuSeconds(serverPid()) - serverBefore;
    const memory = workers.map((w) => memoryMiB(w.pid).peak);
    const { correct } = await finishFleet(stack, fleet);
    log(`${label}: ${FLEET} deploys in ${(wallMs / 1000).toFixed(1)} s, ${correct} correct, ${ends.filter(Boolean).length} ended`);
    return { label, workers: n, wallMs, correct, cpu, serverCpu, memory };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

async function withStack<T>(options: FaultStackOptions, fn: (stack: FaultStack) => Promise<T>): Promise<T> {
  const stack = await startFaultStack(options);
  try {
    return await fn(stack);
  } finally {
    await stack.stop();
  }
}

const runs: Run[] = [];
runs.push(await withStack({}, (stack) => measure(stack, 'dev server (SQLite in memory), 1 worker', 'bdev-', 1, () => stack.temporal!.pid)));
const dir = mkdtempSync(path.join(os.tmpdir(), 'nextdeploy-bench-cluster-'));
const cluster = await startTemporalCluster({ dir, ui: false, log });
try {
  await withStack({ temporal: cluster.server }, async (stack) => {
    runs.push(await measure(stack, 'cluster (PostgreSQL), 1 worker', 'bcl1-', 1, () => cluster.server.pid));
    runs.push(await measure(stack, `cluster (PostgreSQL), ${WORKERS} workers`, 'bcln-', WORKERS, () => cluster.server.pid));
  });
} finally {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}

const base = runs[0]!;
const cpuPerDeploy = (r: Run) => r.cpu / FLEET;
const perMinPerWorker = (r: Run) => FLEET / (r.wallMs / 60_000) / r.workers;
const ratio = (x: number, y: number) => `${(x / y).toFixed(2)}×`;
const rows = runs.map((r) => [
  r.label,
  `${r.correct}/${FLEET}`,
  `${(r.wallMs / 1000).toFixed(1)} s`,
  `${(cpuPerDeploy(r) * 1000).toFixed(0)} ms (${ratio(cpuPerDeploy(r), cpuPerDeploy(base))})`,
  `${perMinPerWorker(r).toFixed(1)} (${ratio(perMinPerWorker(r), perMinPerWorker(base))})`,
  `${(Math.max(...r.memory)).toFixed(0)} MiB (${ratio(Math.max(...r.memory), Math.max(...base.memory))})`,
  `${((r.serverCpu / FLEET) * 1000).toFixed(0)} ms`,
]);
const report = [
  `# Cluster vs embedded dev server (${FLEET} fresh-app deploys at once, ${new Date().toISOString()})`,
  '',
  `Machine: ${os.cpus().length} cores, Node ${process.version}. Ratios are against the dev server row of this run.`,
  '',
  table(['Temporal', 'correct', 'wall', 'worker CPU per deploy', 'deploys / min / worker', 'peak memory per worker', 'server CPU per deploy'], rows),
  '',
].join('\n');
process.stdout.write(`${report}\n`);
mkdirSync(path.join(PROJECT_ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(path.join(PROJECT_ROOT, 'bench', 'results', 'cluster.md'), report);
if (runs.some((r) => r.correct !== FLEET)) process.exitCode = 1;
