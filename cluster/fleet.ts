/**
 * Fleets on the cluster: many deploys of different apps at once, and what their histories say
 * about where they ran (worker identities) and when activities started (the queue's rate limit).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { deployedCorrectly } from '../bench/deploy-lib.ts';
import { outcome, startDeploy, testDeployInput } from '../faults/deploys.ts';
import type { FaultStack } from '../faults/harness.ts';

/** The poll and check shape the CLI gives embedded deploys (client/deploy-plan.ts). */
const TIMING = { pollInitialIntervalMs: 200, pollMaxIntervalMs: 1_000 };
const CHECKS = { propagationWindowMs: 30_000, retryIntervalMs: 500 };

/** A started fleet: its apps and workflow handles. */
export interface Fleet {
  apps: string[];
  handles: WorkflowHandle[];
}

/** Starts `deploy-<app>` for `n` fresh apps named `<prefix>1..n` (version v1). */
export async function startFleet(stack: FaultStack, prefix: string, n: number): Promise<Fleet> {
  const apps = Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
  const inputs = apps.map((app) => testDeployInput(stack, app, { timing: TIMING, checks: CHECKS }));
  const handles = await Promise.all(inputs.map((input) => startDeploy(stack, input)));
  return { apps, handles };
}

/** Waits for every deploy; how many ended live and how many are exactly right in Cloudflare (one deployment, DNS record, domain, versions entry, live). */
export async function finishFleet(stack: FaultStack, fleet: Fleet): Promise<{ live: number; correct: number; wrong: string[]; failures: string[] }> {
  const ends = await Promise.all(fleet.handles.map((h) => outcome(h)));
  const wrong: string[] = [];
  for (const app of fleet.apps) if (!(await deployedCorrectly(stack, app, 'v1'))) wrong.push(app);
  return {
    live: ends.filter((e) => e.result?.status === 'live').length,
    correct: fleet.apps.length - wrong.length,
    wrong,
    failures: ends.filter((e) => e.error).slice(0, 3).map((e) => e.error!.message),
  };
}

/** Per workflow: the worker pids (identity `<pid>@host`) that started its tasks, and its activity start times. */
export async function whereItRan(handles: WorkflowHandle[]): Promise<{ pidsByWorkflow: Set<number>[]; activityStarts: number[] }> {
  const pidsByWorkflow: Set<number>[] = [];
  const activityStarts: number[] = [];
  for (const h of handles) {
    const pids = new Set<number>();
    for (const e of (await h.fetchHistory()).events ?? []) {
      const started = e.workflowTaskStartedEventAttributes ?? e.activityTaskStartedEventAttributes;
      const pid = Number(/^(\d+)@/.exec(started?.identity ?? '')?.[1]);
      if (pid) pids.add(pid);
      if (e.activityTaskStartedEventAttributes && e.eventTime?.seconds) activityStarts.push(Number(e.eventTime.seconds) * 1000 + Math.floor((e.eventTime.nanos ?? 0) / 1e6));
    }
    pidsByWorkflow.push(pids);
  }
  return { pidsByWorkflow, activityStarts: activityStarts.sort((a, b) => a - b) };
}
