import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { TASK_QUEUE } from '../core/workflow-contracts.ts';
import { createActivities, type ActivityDeps, type NextdeployActivities } from '../activities/index.ts';

/** The workflow bundle's entry. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * Default activity rate limits. They spread a fleet's work; the hard guard of the token's
 * Cloudflare budget (1,200 requests / 5 min = 4 calls/s) is the per-call budget in front of the
 * SDK (activities/call-budget.ts), because one activity makes 1 to ~7 calls in a burst (a deploy
 * averages under 3 per activity, measured in worker/observability.test.ts). The task-queue limit
 * is enforced by the server across every worker of the queue (docs/cluster.md).
 */
export const DEFAULT_RATE_LIMITS = { maxActivitiesPerSecond: 2, maxTaskQueueActivitiesPerSecond: 2 } as const;

/**
 * Activities one worker runs at once. They mostly wait on Cloudflare (a poll's first attempt
 * waits before it asks), so a slot costs little; the SDK's 100 would make a busy worker refuse
 * the activities the server hands back eagerly, sending them through matching instead.
 */
export const MAX_CONCURRENT_ACTIVITIES = 500;

/** Options of {@link createNextdeployWorker}. */
export interface NextdeployWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  /** The activities' dependencies, or ready activities (tests pass fakes). */
  activities: ActivityDeps | NextdeployActivities;
  /** Activities per second this worker starts; null = no limit; default {@link DEFAULT_RATE_LIMITS}. */
  maxActivitiesPerSecond?: number | null;
  /**
   * Activities per second across the task queue (server-enforced); null = no limit, which also
   * lets the server hand a workflow's new activity straight back to its worker (eager dispatch:
   * sdk-core turns that off under a task-queue limit, which the server could not enforce on it).
   */
  maxTaskQueueActivitiesPerSecond?: number | null;
  /** A prebuilt bundle (tests build it once); default: bundle `workflows/index.ts`. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
  /** Worker plugins, e.g. OpenTelemetry tracing (worker/tracing.ts). */
  plugins?: WorkerOptions['plugins'];
}

function isDeps(a: ActivityDeps | NextdeployActivities): a is ActivityDeps {
  return 'cloudflare' in a;
}

/** A rate-limit option: the default when not given, absent (no limit) when null. */
function limit<K extends string>(key: K, value: number | null | undefined, fallback: number): Partial<Record<K, number>> {
  if (value === null) return {};
  return { [key]: value ?? fallback } as Partial<Record<K, number>>;
}

/** A worker for the nextdeploy task queue: the deploy and rollback workflows and their activities. */
export async function createNextdeployWorker(options: NextdeployWorkerOptions): Promise<Worker> {
  const activities = isDeps(options.activities) ? createActivities(options.activities) : options.activities;
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities,
    ...limit('maxActivitiesPerSecond', options.maxActivitiesPerSecond, DEFAULT_RATE_LIMITS.maxActivitiesPerSecond),
    ...limit('maxTaskQueueActivitiesPerSecond', options.maxTaskQueueActivitiesPerSecond, DEFAULT_RATE_LIMITS.maxTaskQueueActivitiesPerSecond),
    maxConcurrentActivityTaskExecutions: MAX_CONCURRENT_ACTIVITIES,
    // On SIGTERM/SIGINT running activities get this long to finish before the worker exits.
    shutdownGraceTime: '30s',
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.plugins?.length ? { plugins: options.plugins } : {}),
  });
}
