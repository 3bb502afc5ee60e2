/**
 * `npm run bench` (deploy part): the orchestrator's own cost on the real stack (Temporal dev
 * server, a worker process, the local Cloudflare, the router under workerd). A report, not a
 * pass/fail test: prints a table of targets and measured figures and writes
 * bench/results/deploy.md. See bench/README.md for what each figure means.
 *
 *   npx tsx bench/deploy.ts [--fleet 200] [--compress 10] [--skip-history]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../devstack/paths.ts';
import { outcome, startDeploy, testDeployInput } from '../faults/deploys.ts';
import { startFaultStack, type FaultStack } from '../faults/harness.ts';
import type { WorkerProcess } from '../faults/worker-process.ts';
import { deployedCorrectly, historyFacts, maxInWindow, median, memoryMiB, POLL_OPERATIONS, table, tallyRequests, type Tally } from './deploy-lib.ts';

const { values: flags } = parseArgs({
  options: {
    fleet: { type: 'string', default: '200' },
    compress: { type: 'string', default: '10' },
    'skip-history': { type: 'boolean', default: false },
  },
});
const FLEET = Number(flags.fleet);
/** The rate-limit run compresses time by this factor: window 300 s / k, worker limits × k. */
const COMPRESS = Number(flags.compress);

/** Known emulator delays: Direct Upload build = 5 stages × 400 ms, certificate after 2 s. */
const BUILD_MS = 5 * 400;
const CERT_MS = 2_000;
/** The product's default activity rate limits (worker/create-worker.ts). */
const PRODUCT_LIMIT = 2;
const LIFTED = { NEXTDEPLOY_MAX_ACTIVITIES_PER_SECOND: '1000', NEXTDEPLOY_MAX_TASK_QUEUE_ACTIVITIES_PER_SECOND: '1000' };
/** The poll and check shape the CLI gives embedded deploys (client/deploy-plan.ts). */
const EMBEDDED_TIMING = { pollInitialIntervalMs: 200, pollMaxIntervalMs: 1_000 };
const EMBEDDED_CHECKS = { propagationWindowMs: 30_000, retryIntervalMs: 500 };

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function withWorker<T>(stack: FaultStack, env: NodeJS.ProcessEnv, fn: (w: WorkerProcess) => Promise<T>): Promise<T> {
  const worker = await stack.spawnWorker({ env });
  try {
    return await fn(worker);
  } finally {
    await worker.stop();
  }
}

/** One deploy of a fresh app; its wall time and the API calls it made. */
async function oneDeploy(stack: FaultStack, tally: { entries: Tally[] }, app: string) {
  const from = tally.entries.length;
  const t0 = Date.now();
  const end = await outcome(await startDeploy(stack, testDeployInput(stack, app, { timing: EMBEDDED_TIMING, checks: EMBEDDED_CHECKS })));
  const wall = Date.now() - t0;
  if (end.result?.status !== 'live') throw new Error(`${app}: ${end.error?.message ?? end.result?.status}`);
  const calls = tally.entries.slice(from);
  return { wall, calls: calls.length, outsidePolling: calls.filter((c) => !POLL_OPERATIONS.has(c.operation)).length, ok: await deployedCorrectly(stack, app, 'v1') };
}

/** `n` fresh apps at once; total wall time, correctness, calls. */
async function fleet(stack: FaultStack, tally: { entries: Tally[] }, prefix: string, n: number) {
  const apps = Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
  const from = tally.entries.length;
  const t0 = Date.now();
  const ends = await Promise.all(apps.map(async (app) => outcome(await startDeploy(stack, testDeployInput(stack, app, { timing: EMBEDDED_TIMING, checks: EMBEDDED_CHECKS })))));
  const wall = Date.now() - t0;
  const live = ends.filter((e) => e.result?.status === 'live').length;
  let correct = 0;
  for (const app of apps) if (await deployedCorrectly(stack, app, 'v1')) correct++;
  const calls = tally.entries.slice(from);
  return { wall, live, correct, calls, failures: ends.filter((e) => e.error).slice(0, 3).map((e) => e.error!.message) };
}

async function main(): Promise<void> {
  const started = new Date();
  const stack = await startFaultStack({ timing: { directUploadStepMs: BUILD_MS / 5, domainActivationMs: CERT_MS }, rateLimit: { requests: 1e9, windowMs: 300_000 } });
  const tally = tallyRequests(stack.cf);
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  try {
    // 1. Overhead, with the product's default rate limits and with them lifted.
    for (const [label, env] of [['product default limits (2 activities/s)', {}], ['activity limits lifted', LIFTED]] as const) {
      const runs = await withWorker(stack, env, async () => {
        const out = [];
        for (let i = 1; i <= 3; i++) out.push(await oneDeploy(stack, tally, `one-${label.startsWith('product') ? 'p' : 'l'}${i}`));
        return out;
      });
      const wall = median(runs.map((r) => r.wall));
      rows.push([`Deploy overhead (${label})`, '≤ 2 s', `${s(wall - BUILD_MS - CERT_MS)} (wall ${s(wall)} − build ${s(BUILD_MS)} − certificate ${s(CERT_MS)}; median of 3)`]);
      if (label.startsWith('activity')) {
        rows.push(['API calls per deploy outside polling', '≤ 25', `${median(runs.map((r) => r.outsidePolling))} (total with polls: ${median(runs.map((r) => r.calls))})`]);
        log(`single deploy ${s(wall)}`);
        (main as { single?: number }).single = wall;
      }
      log(`overhead (${label}): ${runs.map((r) => s(r.wall)).join(', ')}`);
    }
    const single = (main as { single?: number }).single!;

    // 2. Fleet through one worker, activity limits lifted (speed and memory).
    const fleetRun = await withWorker(stack, LIFTED, async (worker) => {
      const r = await fleet(stack, tally, 'fleet', FLEET);
      return { ...r, mem: memoryMiB(worker.pid) };
    });
    rows.push([`Fleet: ${FLEET} deploys at once, one worker`, 'all correct', `${fleetRun.correct}/${FLEET} correct (${fleetRun.live} live)`]);
    rows.push(['Fleet total vs one deploy', '≤ 3×', `${s(fleetRun.wall)} vs ${s(single)} = ${(fleetRun.wall / single).toFixed(1)}×`]);
    rows.push(['Worker memory during the fleet (RSS)', 'report', `peak ${fleetRun.mem.peak.toFixed(0)} MiB, at end ${fleetRun.mem.now.toFixed(0)} MiB`]);
    const outside = fleetRun.calls.filter((c) => !POLL_OPERATIONS.has(c.operation)).length;
    rows.push(['Fleet API calls', 'report', `${fleetRun.calls.length} total, ${(fleetRun.calls.length / FLEET).toFixed(1)} per deploy (${(outside / FLEET).toFixed(1)} outside polling)`]);
    if (fleetRun.failures.length) notes.push(`Fleet failures (first 3): ${fleetRun.failures.join(' | ')}`);

    // 3. The API budget under the worker's own limit, time compressed ×k on both sides.
    const windowMs = 300_000 / COMPRESS;
    stack.cf.setRateLimit({ requests: 1200, windowMs });
    const limited = String(PRODUCT_LIMIT * COMPRESS);
    const budgetRun = await withWorker(stack, { NEXTDEPLOY_MAX_ACTIVITIES_PER_SECOND: limited, NEXTDEPLOY_MAX_TASK_QUEUE_ACTIVITIES_PER_SECOND: limited }, () => fleet(stack, tally, 'budget', FLEET));
    stack.cf.setRateLimit({ requests: 1e9, windowMs: 300_000 });
    const answered429 = budgetRun.calls.filter((c) => c.status === 429).length;
    rows.push([
      `Fleet under the worker's rate limit (time ×${COMPRESS}: 1,200 per ${windowMs / 1000} s, worker ${limited} activities/s)`,
      '≤ 1,200 per window, no 429',
      `max ${maxInWindow(budgetRun.calls, windowMs)} calls in any ${windowMs / 1000} s; emulator answered 429 ${answered429}×; ${budgetRun.correct}/${FLEET} correct in ${s(budgetRun.wall)}`,
    ]);

    // 4. History size for a 1-minute and a simulated 30-minute build.
    if (!flags['skip-history']) {
      stack.cf.core.timing.buildStepMs = 12_000; // git build: 5 stages × 12 s = 60 s
      stack.cf.core.timing.directUploadStepMs = 12_000;
      const hist = await withWorker(stack, LIFTED, async () => {
        // Product poll shape (5 s → 30 s); the 30-minute build is the same 60 s with every poll
        // interval ÷ 30, so it polls as often as a real 30-minute build would.
        const oneMinute = await startDeploy(stack, testDeployInput(stack, 'hist-1min', { source: 'git', timing: { pollInitialIntervalMs: 5_000, pollMaxIntervalMs: 30_000 } }));
        const thirty = await startDeploy(stack, testDeployInput(stack, 'hist-30min', { timing: { pollInitialIntervalMs: 167, pollMaxIntervalMs: 1_000 } }));
        const ends = await Promise.all([outcome(oneMinute), outcome(thirty)]);
        for (const e of ends) if (e.result?.status !== 'live') throw new Error(`history run: ${e.error?.message}`);
        return { one: await historyFacts(oneMinute), thirty: await historyFacts(thirty) };
      });
      rows.push(['History events, 1-minute build', '≤ 300', `${hist.one.events} events (${hist.one.buildPollAttempts} build polls)`]);
      rows.push(['History events, simulated 30-minute build', '≤ 300', `${hist.thirty.events} events (${hist.thirty.buildPollAttempts} build polls)`]);
    }
  } finally {
    await stack.stop();
  }
  const command = `npx tsx bench/deploy.ts --fleet ${FLEET} --compress ${COMPRESS}${flags['skip-history'] ? ' --skip-history' : ''}`;
  const report = [
    '# Deploy orchestrator benchmark',
    '',
    `${started.toISOString()} · \`${command}\` · ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}) · Node ${process.version}`,
    '',
    table(['measure', 'target', 'measured'], rows),
    '',
    ...notes,
  ].join('\n');
  const out = path.join(PROJECT_ROOT, 'bench', 'results', 'deploy.md');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${report}\n`);
  process.stdout.write(`${report}\n\nWritten to ${path.relative(PROJECT_ROOT, out)}\n`);
}

await main();
