import { log } from '@temporalio/workflow';
import type { PruneResult, RetentionArgs, RetentionPlan } from '../activities/types.ts';
import { activities } from './activity-options.ts';

/** Input of {@link retentionWorkflow} (no secrets); `retention-schedule.ts` validates it with zod. */
export interface RetentionInput {
  app: string;
  accountId: string;
  kvNamespaceId: string;
  pagesProject: string;
  /** Versions (and Pages deployments) to keep besides live and previous. */
  keep: number;
  /** Never prune a deployment younger than this (a deploy may be using it). Default 24 h. */
  minAgeMs?: number;
  /** Cap on each kind of deletion per run; the schedule's next run continues. Default 100. */
  maxDeletions?: number;
}

/** What one retention run did. */
export interface RetentionResult {
  app: string;
  live: string | null;
  previous: string | null;
  keptVersions: string[];
  versions: PruneResult;
  deployments: PruneResult;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Retention of one app (started by the Temporal Schedule `retention-<app>`): plan from what
 * Cloudflare holds, then drop old versions (list entry and KV keys) and old Pages deployments,
 * never the live or previous version or anything they route to. The activities re-check the
 * live record before deleting, so a deploy or rollback that lands meanwhile is safe.
 */
export async function retentionWorkflow(input: RetentionInput): Promise<RetentionResult> {
  const args: RetentionArgs = {
    app: input.app,
    accountId: input.accountId,
    kvNamespaceId: input.kvNamespaceId,
    pagesProject: input.pagesProject,
    keep: input.keep,
    minAgeMs: input.minAgeMs ?? DAY_MS,
    maxDeletions: input.maxDeletions ?? 100,
  };
  const kv = { app: args.app, accountId: args.accountId, kvNamespaceId: args.kvNamespaceId };
  const plan: RetentionPlan = await activities.planRetention.executeWithOptions({ summary: `retention plan for ${input.app} (keep ${input.keep})` }, [args]);
  const none: PruneResult = { deleted: [], skipped: [] };
  const versions = plan.pruneVersions.length
    ? await activities.pruneVersions.executeWithOptions({ summary: `prune ${plan.pruneVersions.length} versions of ${input.app}` }, [{ ...kv, versions: plan.pruneVersions }])
    : none;
  const deployments = plan.pruneDeployments.length
    ? await activities.pruneDeployments.executeWithOptions({ summary: `prune ${plan.pruneDeployments.length} deployments of ${input.pagesProject}` }, [
        { ...kv, pagesProject: args.pagesProject, deployments: plan.pruneDeployments },
      ])
    : none;
  log.info('retention done', { app: input.app, versionsDeleted: versions.deleted.length, deploymentsDeleted: deployments.deleted.length, live: plan.live, previous: plan.previous });
  return { app: input.app, live: plan.live, previous: plan.previous, keptVersions: plan.keptVersions, versions, deployments };
}
