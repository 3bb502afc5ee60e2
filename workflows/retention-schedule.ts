// Client side of retention: the Temporal Schedule `retention-<app>` that runs retentionWorkflow.
import { z } from 'zod';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { APP_SEARCH_ATTRIBUTE } from '../core/search-attributes.ts';
import { cloudflareIdSchema, pagesProjectSchema } from '../core/identifiers.ts';
import { appNameSchema } from '../core/metadata.ts';
import { TASK_QUEUE } from '../core/workflow-contracts.ts';
import type { RetentionInput } from './retention.ts';

/** Workflow type of the retention run (the export of workflows/index.ts). */
export const RETENTION_WORKFLOW_TYPE = 'retentionWorkflow';

/** One schedule per app. */
export function retentionScheduleId(app: string): string {
  return `retention-${app}`;
}

/** The retention workflow's input, validated before it enters a schedule (and every history after). */
export const retentionInputSchema = z.object({
  app: appNameSchema,
  accountId: cloudflareIdSchema('account id'),
  kvNamespaceId: cloudflareIdSchema('KV namespace id'),
  pagesProject: pagesProjectSchema,
  keep: z.number().int().min(1, { error: 'keep must be at least 1 (live and previous are kept in any case)' }).max(1000),
  minAgeMs: z.number().int().min(0).optional(),
  maxDeletions: z.number().int().min(1).max(1000).optional(),
}) satisfies z.ZodType<RetentionInput>;

/** Options of {@link ensureRetentionSchedule}. */
export interface RetentionScheduleOptions {
  /** How often it runs, as a Temporal duration ("1d", "6h"). Default daily. */
  every?: string;
  taskQueue?: string;
  /** Start one run right away as well. */
  runNow?: boolean;
}

/**
 * Creates the schedule `retention-<app>`, or updates it in place when it exists (same id:
 * idempotent, safe to call from `init` and from `npm run retention` alike). Overlapping runs are
 * skipped: a slow run never races the next one.
 */
export async function ensureRetentionSchedule(client: Client, rawInput: RetentionInput, options: RetentionScheduleOptions = {}): Promise<{ scheduleId: string; created: boolean }> {
  const parsed = retentionInputSchema.safeParse(rawInput);
  if (!parsed.success) throw new Error(`invalid retention input: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const input = parsed.data;
  const scheduleId = retentionScheduleId(input.app);
  const spec = { intervals: [{ every: options.every ?? '1d' }] } as ScheduleOptions['spec'];
  const action: ScheduleOptions['action'] = {
    type: 'startWorkflow',
    workflowType: RETENTION_WORKFLOW_TYPE,
    workflowId: scheduleId,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    args: [input],
    typedSearchAttributes: [{ key: APP_SEARCH_ATTRIBUTE, value: input.app }],
    staticSummary: `retention of ${input.app}: keep ${input.keep} versions`,
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' };
  let created = true;
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    created = false;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action, policies }));
  }
  if (options.runNow) await client.schedule.getHandle(scheduleId).trigger(ScheduleOverlapPolicy.SKIP);
  return { scheduleId, created };
}
