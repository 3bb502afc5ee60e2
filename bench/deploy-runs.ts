// The deploy runs the benchmark's parts are made of: one deploy, three in a row, a fleet at once,
// each through a worker process of the fault stack with the environment the part measures.
import { outcome, startDeploy, testDeployInput } from '../faults/deploys.ts';
import type { FaultStack } from '../faults/harness.ts';
import type { WorkerProcess } from '../devstack/worker-process.ts';
import { deployedCorrectly, isPoll, type Tally } from './deploy-lib.ts';

/** The worker's activity and call limits lifted (what the benchmark compares the defaults with). */
export const LIFTED = {
  NEXTDEPLOY_MAX_ACTIVITIES_PER_SECOND: 'off',
  NEXTDEPLOY_MAX_TASK_QUEUE_ACTIVITIES_PER_SECOND: 'off',
  NEXTDEPLOY_CLOUDFLARE_CALLS_PER_SECOND: '100000',
  NEXTDEPLOY_CLOUDFLARE_CALL_BURST: '100000',
};
/** The poll and check shape the CLI gives embedded deploys (client/deploy-plan.ts). */
const EMBEDDED_TIMING = { pollInitialIntervalMs: 200, pollMaxIntervalMs: 1_000 };
const EMBEDDED_CHECKS = { propagationWindowMs: 30_000, retryIntervalMs: 500 };

/** Runs `fn` with a fresh worker process of this environment, and stops the worker after it. */
export async function withWorker<T>(stack: FaultStack, env: NodeJS.ProcessEnv, fn: (w: WorkerProcess) => Promise<T>): Promise<T> {
  // Checks go straight to the local edge, as they would to Cloudflare's: the fault suite's
  // pass-through proxy in front of it (faults/edge-proxy.ts) is a test hook, not the product.
  const worker = await stack.spawnWorker({ env: { NEXTDEPLOY_EDGE_CONNECT_TO: new URL(stack.cf.edgeUrl).host, ...env } });
  try {
    return await fn(worker);
  } finally {
    await worker.stop();
  }
}

/** One deploy of a fresh app; its wall time and the API calls it made. */
export async function oneDeploy(stack: FaultStack, tally: { entries: Tally[] }, app: string) {
  const from = tally.entries.length;
  const t0 = Date.now();
  const end = await outcome(await startDeploy(stack, testDeployInput(stack, app, { timing: EMBEDDED_TIMING, checks: EMBEDDED_CHECKS })));
  const wall = Date.now() - t0;
  if (end.result?.status !== 'live') throw new Error(`${app}: ${end.error?.message ?? end.result?.status}`);
  const calls = tally.entries.slice(from);
  return { wall, calls: calls.length, outsidePolling: calls.filter((c) => !isPoll(c)).length, entries: calls, ok: await deployedCorrectly(stack, app, 'v1') };
}

/**
 * `n` fresh apps at once; total wall time, correctness, calls. The apps' inputs (and their build
 * output on disk) exist before the clock starts; `atEnd` runs the moment the last deploy ends,
 * before the correctness checks, so what it measures is the fleet's alone.
 */
export async function fleet(stack: FaultStack, tally: { entries: Tally[] }, prefix: string, n: number, atEnd: () => void = () => undefined) {
  const apps = Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
  const inputs = apps.map((app) => testDeployInput(stack, app, { timing: EMBEDDED_TIMING, checks: EMBEDDED_CHECKS }));
  const from = tally.entries.length;
  const t0 = Date.now();
  const ends = await Promise.all(inputs.map(async (input) => outcome(await startDeploy(stack, input))));
  const wall = Date.now() - t0;
  atEnd();
  const live = ends.filter((e) => e.result?.status === 'live').length;
  let correct = 0;
  for (const app of apps) if (await deployedCorrectly(stack, app, 'v1')) correct++;
  const calls = tally.entries.slice(from);
  return { wall, live, correct, calls, failures: ends.filter((e) => e.error).slice(0, 3).map((e) => e.error!.message) };
}

/** What every part of the benchmark reads and adds to. */
export interface Bench {
  stack: FaultStack;
  tally: { entries: Tally[] };
  rows: (string | number)[][];
  notes: string[];
  /** Wall time of one deploy with the activity limit lifted (the fleet's yardstick). */
  single: number;
}

/** Three deploys of fresh apps, one after the other, through one worker with this environment. */
export function threeDeploys(b: Bench, env: NodeJS.ProcessEnv, prefix: string) {
  return withWorker(b.stack, env, async () => {
    const out = [];
    for (let i = 1; i <= 3; i++) out.push(await oneDeploy(b.stack, b.tally, `${prefix}${i}`));
    return out;
  });
}
