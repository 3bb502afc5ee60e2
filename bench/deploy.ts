/**
 * `npm run bench` (deploy part): the orchestrator's own cost on the real stack (Temporal dev
 * server, a worker process, the local Cloudflare, the router under workerd). A report, not a
 * pass/fail test: prints a table of targets and measured figures and writes
 * bench/results/deploy.md. See bench/README.md for what each figure means.
 *
 *   npx tsx bench/deploy.ts [--fleet 200] [--fleet-runs 3] [--compress 10] [--honoured 1] [--skip-history] [--only overhead,fleet]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../devstack/paths.ts';
import { outcome, startDeploy, testDeployInput } from '../faults/deploys.ts';
import { startFaultStack } from '../faults/harness.ts';
import { fleet, LIFTED, threeDeploys, withWorker, type Bench } from './deploy-runs.ts';
import { byOperation, childPids, cpuSeconds, historyFacts, isPoll, maxInWindow, median, memoryMiB, table, tallyRequests } from './deploy-lib.ts';
import { DEFAULT_CALL_BUDGET } from '../activities/call-budget.ts';
import { DEFAULT_RATE_LIMITS } from '../worker/create-worker.ts';

const { values: flags } = parseArgs({
  options: {
    fleet: { type: 'string', default: '200' },
    /** How many times the fleet runs (each with fresh apps and a fresh worker); the median is reported. */
    'fleet-runs': { type: 'string', default: '3' },
    compress: { type: 'string', default: '10' },
    honoured: { type: 'string', default: '1' },
    'skip-history': { type: 'boolean', default: false },
    /** Comma-separated parts to run (overhead, fleet, budget, history); all by default. */
    only: { type: 'string', default: '' },
    /** Write a V8 CPU profile of the fleet's worker process into this folder (`node --cpu-prof`). */
    'profile-worker': { type: 'string', default: '' },
    /** Extra `NODE_OPTIONS` for the fleet's worker process (e.g. V8 heap flags), to compare settings. */
    'worker-node-options': { type: 'string', default: '' },
  },
});
const FLEET = Number(flags.fleet);
const FLEET_RUNS = Math.max(1, Number(flags['fleet-runs']));
/** The rate-limit run compresses time by this factor: window 300 s / k, worker limits × k. */
const COMPRESS = Number(flags.compress);
/** A worker activity limit (per second, real time) low enough to keep the fleet inside the budget. */
const HONOURED = Number(flags.honoured);

/** Known emulator delays: Direct Upload build = 5 stages × 400 ms, certificate after 2 s. */
const BUILD_MS = 5 * 400;
const CERT_MS = 2_000;
/** The product's default activity rate limits (worker/create-worker.ts). */
const PRODUCT_LIMIT = DEFAULT_RATE_LIMITS.maxActivitiesPerSecond;
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;


/** 1. Overhead, with the product's default activity limit and with it lifted; calls per deploy. */
async function measureOverhead(b: Bench): Promise<void> {
  for (const [label, env] of [[`product default limits (${PRODUCT_LIMIT} activities/s, ${DEFAULT_CALL_BUDGET.perSecond} calls/s burst ${DEFAULT_CALL_BUDGET.burst})`, {}], ['activity limits lifted', LIFTED]] as const) {
    const lifted = label.startsWith('activity');
    const runs = await threeDeploys(b, env, `one-${lifted ? 'l' : 'p'}`);
    const wall = median(runs.map((r) => r.wall));
    const best = Math.min(...runs.map((r) => r.wall));
    b.rows.push([
      `Deploy overhead (${label})`,
      '≤ 2 s',
      `${s(wall - BUILD_MS - CERT_MS)} (wall ${s(wall)} − build ${s(BUILD_MS)} − certificate ${s(CERT_MS)}; median of 3, best ${s(best - BUILD_MS - CERT_MS)})`,
    ]);
    if (runs.some((r) => !r.ok)) b.notes.push(`A single deploy (${label}) was not correct (deployments, DNS, domain or versions list).`);
    log(`overhead (${label}): ${runs.map((r) => s(r.wall)).join(', ')}`);
    if (lifted) {
      b.single = wall;
      b.rows.push(['API calls per deploy outside polling', '≤ 25', `${median(runs.map((r) => r.outsidePolling))} (with polls: ${median(runs.map((r) => r.calls))})`]);
      b.notes.push(`Calls of one deploy by operation: ${byOperation(runs[0]!.entries)}.`);
      b.notes.push('', `Calls of one deploy in order: ${runs[0]!.entries.map((e) => `${e.operation}${e.status >= 300 ? ` (${e.status})` : ''}`).join(' → ')}.`);
    }
  }
}

/** The fleet's yardstick when the overhead part did not run (`--only fleet`): one deploy, limits lifted, median of 3. */
async function measureSingle(b: Bench): Promise<number> {
  const runs = await threeDeploys(b, LIFTED, 'one-y');
  log(`yardstick (activity limits lifted): ${runs.map((r) => s(r.wall)).join(', ')}`);
  return median(runs.map((r) => r.wall));
}

/** 2. The fleet through one worker, activity limit lifted: correctness, speed, memory, calls. */
async function measureFleet(b: Bench): Promise<void> {
  if (Number.isNaN(b.single)) b.single = await measureSingle(b);
  const nodeOptions = [flags['profile-worker'] ? `--cpu-prof --cpu-prof-dir=${path.resolve(flags['profile-worker'])}` : '', flags['worker-node-options']].filter(Boolean).join(' ');
  const workerEnv = nodeOptions ? { NODE_OPTIONS: nodeOptions } : {};
  const runOnce = (prefix: string) => withWorker(b.stack, { ...LIFTED, ...workerEnv }, async (worker) => {
    // Where the two cores went: the worker, the Temporal server, workerd (router + KV), and this
    // process (the emulator's API and edge, the clients awaiting results).
    const pids = { worker: worker.pid, temporal: b.stack.temporal!.pid, workerd: childPids(process.pid, 'workerd')[0] ?? 0 };
    const before = { worker: cpuSeconds(pids.worker), temporal: cpuSeconds(pids.temporal), workerd: cpuSeconds(pids.workerd), bench: process.cpuUsage() };
    let cpu: Record<string, number> = {};
    let mem = { peak: 0, now: 0 };
    const r = await fleet(b.stack, b.tally, prefix, FLEET, () => {
      const benchCpu = process.cpuUsage(before.bench);
      cpu = {
        worker: cpuSeconds(pids.worker) - before.worker,
        temporal: cpuSeconds(pids.temporal) - before.temporal,
        workerd: cpuSeconds(pids.workerd) - before.workerd,
        'emulator + bench': (benchCpu.user + benchCpu.system) / 1e6,
      };
      mem = memoryMiB(worker.pid);
    });
    return { ...r, mem, cpu };
  });
  // The same fleet varies by ±10–15 % between runs on a shared 2-core VM: the median of several
  // runs is the figure, and every run's wall time is printed next to it.
  const runs = [];
  for (let i = 0; i < FLEET_RUNS; i++) {
    const r = await runOnce(`fleet${String.fromCharCode(97 + i)}-`);
    log(`fleet run ${i + 1}/${FLEET_RUNS}: ${s(r.wall)}, ${r.correct}/${FLEET} correct`);
    runs.push(r);
  }
  const run = [...runs].sort((x, y) => x.wall - y.wall)[Math.floor((runs.length - 1) / 2)]!;
  const correct = runs.map((r) => r.correct);
  const outside = run.calls.filter((c) => !isPoll(c)).length;
  b.rows.push([`Fleet: ${FLEET} deploys at once, one worker`, 'all correct', `${correct.join(', ')} of ${FLEET} correct in ${runs.length} run(s) (${run.live} live in the median run)`]);
  b.rows.push([
    'Fleet total vs one deploy',
    '≤ 3×',
    `${s(run.wall)} vs ${s(b.single)} = ${(run.wall / b.single).toFixed(1)}× (median of ${runs.length} runs: ${runs.map((r) => `${(r.wall / b.single).toFixed(1)}×`).join(', ')})`,
  ]);
  b.rows.push(['Worker memory during the fleet (RSS)', 'report', `peak ${run.mem.peak.toFixed(0)} MiB, at end ${run.mem.now.toFixed(0)} MiB`]);
  const cpuTotal = Object.values(run.cpu).reduce((x, y) => x + y, 0);
  b.rows.push([
    'CPU used during the fleet',
    'report',
    `${cpuTotal.toFixed(0)} CPU-s in ${s(run.wall)} wall (${os.cpus().length} cores): ${Object.entries(run.cpu).map(([k, v]) => `${k} ${v.toFixed(0)} s`).join(', ')}`,
  ]);
  // The fleet is CPU-bound on a small box: this is the figure to push down, and it is steadier
  // between runs than the wall-time ratio. ≤ 3× needs about single × 3 × cores / fleet.
  const perDeployMs = (cpuTotal * 1000) / FLEET;
  const neededMs = (b.single * 3 * os.cpus().length) / FLEET;
  // Past 3× the fleet is CPU-bound and takes about as long whatever the waits: the same work would
  // fit in 3× of one deploy whose waits were this long (one deploy's overhead kept as measured).
  const breakEven = run.wall > 3 * b.single ? `, or waits of ≥ ${s(run.wall / 3 - (b.single - BUILD_MS - CERT_MS))} per deploy instead of ${s(BUILD_MS + CERT_MS)}` : '';
  b.rows.push([
    'CPU per deploy in the fleet, whole stack',
    'report',
    `${perDeployMs.toFixed(0)} ms (≤ 3× on ${os.cpus().length} cores needs ≤ ${neededMs.toFixed(0)} ms${breakEven}): ${Object.entries(run.cpu).map(([k, v]) => `${k} ${((v * 1000) / FLEET).toFixed(0)} ms`).join(', ')}`,
  ]);
  b.rows.push(['Fleet API calls', 'report', `${run.calls.length} total, ${(run.calls.length / FLEET).toFixed(1)} per deploy (${(outside / FLEET).toFixed(1)} outside polling)`]);
  const failures = runs.flatMap((r) => r.failures).slice(0, 3);
  if (failures.length) b.notes.push(`Fleet failures (first 3): ${failures.join(' | ')}`);
}

/**
 * 3. The API budget under the worker's own limits, time compressed ×k on both sides (window
 * 300 s / k, limits × k): the product default (activity limit and per-call budget), then the
 * activity limit alone, which shows why the per-call budget exists.
 */
async function measureBudget(b: Bench): Promise<void> {
  const windowMs = 300_000 / COMPRESS;
  const activities = String(PRODUCT_LIMIT * COMPRESS);
  const runs = [
    [`product default: ${PRODUCT_LIMIT} activities/s + ${DEFAULT_CALL_BUDGET.perSecond} calls/s, burst ${DEFAULT_CALL_BUDGET.burst}`, {
      NEXTDEPLOY_MAX_ACTIVITIES_PER_SECOND: activities,
      NEXTDEPLOY_MAX_TASK_QUEUE_ACTIVITIES_PER_SECOND: activities,
      NEXTDEPLOY_CLOUDFLARE_CALLS_PER_SECOND: String(DEFAULT_CALL_BUDGET.perSecond * COMPRESS),
      NEXTDEPLOY_CLOUDFLARE_CALL_BURST: String(DEFAULT_CALL_BUDGET.burst),
    }],
    [`activity limit alone: ${HONOURED} activity/s, no call budget`, {
      NEXTDEPLOY_MAX_ACTIVITIES_PER_SECOND: String(HONOURED * COMPRESS),
      NEXTDEPLOY_MAX_TASK_QUEUE_ACTIVITIES_PER_SECOND: String(HONOURED * COMPRESS),
      NEXTDEPLOY_CLOUDFLARE_CALLS_PER_SECOND: '100000',
      NEXTDEPLOY_CLOUDFLARE_CALL_BURST: '100000',
    }],
  ] as const;
  for (const [label, env] of runs) {
    b.stack.cf.setRateLimit({ requests: 1200, windowMs });
    const run = await withWorker(b.stack, env, () => fleet(b.stack, b.tally, `budget-${label.split(':')[0]!.replace(/\W+/g, '-')}`, FLEET));
    b.stack.cf.setRateLimit({ requests: 1e9, windowMs: 300_000 });
    const answered429 = run.calls.filter((c) => c.status === 429).length;
    const peak = maxInWindow(run.calls, windowMs);
    b.rows.push([
      `API budget: fleet of ${FLEET}, ${label}; time ×${COMPRESS}: 1,200 per ${windowMs / 1000} s`,
      '≤ 1,200 per 5 min, no 429',
      `max ${peak} calls in any window (${peak > 1200 ? 'over' : 'within'} budget); emulator answered 429 ${answered429}×; ${run.calls.length} calls; ${run.correct}/${FLEET} correct in ${s(run.wall)} (${s(run.wall * COMPRESS)} real)`,
    ]);
    log(`budget (${label}): 429 × ${answered429}, peak ${peak}, ${s(run.wall)}`);
  }
}

/**
 * 4. History size for a 1-minute build (product poll shape 5 s → 30 s) and a simulated 30-minute
 * one: the same 60 s with every poll interval ÷ 30, so it polls as often as 30 real minutes would.
 */
async function measureHistory(b: Bench): Promise<void> {
  b.stack.cf.core.timing.directUploadStepMs = 12_000; // 5 stages × 12 s = a 60 s build
  const hist = await withWorker(b.stack, LIFTED, async () => {
    const oneMinute = await startDeploy(b.stack, testDeployInput(b.stack, 'hist-1min', { timing: { pollInitialIntervalMs: 5_000, pollMaxIntervalMs: 30_000 } }));
    const thirty = await startDeploy(b.stack, testDeployInput(b.stack, 'hist-30min', { timing: { pollInitialIntervalMs: 167, pollMaxIntervalMs: 1_000 } }));
    const ends = await Promise.all([outcome(oneMinute), outcome(thirty)]);
    for (const e of ends) if (e.result?.status !== 'live') throw new Error(`history run: ${e.error?.message}`);
    return { one: await historyFacts(oneMinute), thirty: await historyFacts(thirty) };
  });
  b.rows.push(['History events, 1-minute build', '≤ 300', `${hist.one.events} events (${hist.one.buildPollAttempts} build polls)`]);
  b.rows.push(['History events, simulated 30-minute build', '≤ 300', `${hist.thirty.events} events (${hist.thirty.buildPollAttempts} build polls)`]);
}

async function main(): Promise<void> {
  const started = new Date();
  const command = `npx tsx bench/deploy.ts --fleet ${FLEET} --fleet-runs ${FLEET_RUNS} --compress ${COMPRESS} --honoured ${HONOURED}${flags['skip-history'] ? ' --skip-history' : ''}${flags.only ? ` --only ${flags.only}` : ''}`;
  const stack = await startFaultStack({ timing: { directUploadStepMs: BUILD_MS / 5, domainActivationMs: CERT_MS }, rateLimit: { requests: 1e9, windowMs: 300_000 } });
  const b: Bench = { stack, tally: tallyRequests(stack.cf), rows: [], notes: [], single: NaN };
  const only = flags.only ? new Set(flags.only.split(',').map((p) => p.trim())) : null;
  const parts = ([
    ['overhead', 'Deploy overhead', measureOverhead],
    ['fleet', 'Fleet', measureFleet],
    ['budget', 'API budget', measureBudget],
    ['history', 'History events', measureHistory],
  ] as const)
    .filter(([key]) => (only ? only.has(key) : key !== 'history' || !flags['skip-history']))
    .map(([, name, part]) => [name, part] as const);
  try {
    for (const [name, part] of parts) {
      // A failing part becomes a row; the others still run, and the report is rewritten each time.
      try {
        await part(b);
      } catch (err) {
        b.rows.push([name, '', `failed: ${(err as Error).message.split('\n')[0]}`]);
      }
      writeReport(started, command, b.rows, b.notes);
    }
  } finally {
    await stack.stop();
  }
  const out = writeReport(started, command, b.rows, b.notes);
  process.stdout.write(`${readFileSync(out, 'utf8')}\nWritten to ${path.relative(PROJECT_ROOT, out)}\n`);
}

/** Writes bench/results/deploy.md (after every part, so an interrupted run still leaves figures). */
function writeReport(started: Date, command: string, rows: (string | number)[][], notes: string[]): string {
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
  return out;
}

await main();
