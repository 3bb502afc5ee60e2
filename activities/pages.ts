import { ApplicationFailure, Context } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import { NOT_RETRYABLE, RETRYABLE } from '../core/failures.ts';
import type { PagesSource } from '../core/deploy-input.ts';
import type { Ctx } from './context.ts';
import { attempt, waitBeforeFirstPoll } from './context.ts';
import { directUpload } from './direct-upload.ts';
import { listItems, type NumberedPage } from './paging.ts';

/** A Pages deployment as results and KV records name it. */
export interface DeploymentRef {
  id: string;
  shortId: string;
  url: string;
}

/** A Pages deployment this run created (or found, when a retry follows a POST that landed). */
export interface TriggeredDeployment extends DeploymentRef {
  /** True when an existing deployment with this run's marker was found instead of creating one. */
  reused: boolean;
}

export interface TriggerArgs {
  accountId: string;
  pagesProject: string;
  source: PagesSource;
  /** Tag written into the deployment (commit message) so a retry finds it: `nextdeploy <app>@<version>`. */
  marker: string;
}

export interface PagesDeploymentArgs {
  accountId: string;
  pagesProject: string;
  deploymentId: string;
}

/**
 * A poll's start: for a build this deploy just started, the first attempt waits this long before
 * asking, instead of asking at once for an answer that cannot be "ready" yet. The retry policy's
 * first interval doubles to match (pollOptions), so the attempts fall when they did before, minus
 * the one at time 0. 0 or absent: ask at once.
 */
export interface PollStart {
  firstPollAfterMs?: number;
}

/**
 * How many deployments (newest first) a trigger looks through for its marker at least. A retry
 * also looks through everything created since its first attempt was scheduled, however many
 * other deploys to the same project came in between.
 */
export const MARKER_SCAN_LIMIT = 50;

interface DeploymentLike {
  id: string;
  short_id: string;
  url: string;
  created_on: string;
  latest_stage: { name: string; status: string };
  deployment_trigger?: { type?: string; metadata?: { branch?: string; commit_message?: string } };
}

const ref = (d: DeploymentLike, reused: boolean): TriggeredDeployment => ({ id: d.id, shortId: d.short_id, url: d.url, reused });
const failedOrCancelled = (d: DeploymentLike) => d.latest_stage.status === 'failure' || d.latest_stage.status === 'canceled';

/**
 * A deployment an earlier attempt of this activity already created: it carries the marker in its
 * commit message. A git build may not keep our commit message (Pages takes the branch HEAD's), so
 * on a retry a git deployment of the same branch created after the activity was first scheduled
 * counts too. Failed ones are skipped: a re-run of a failed deploy builds afresh.
 */
async function findExisting(ctx: Ctx, args: TriggerArgs, since: number | null): Promise<DeploymentLike | null> {
  return ctx.call(`pages.projects.deployments.list ${args.pagesProject}`, async () => {
    let seen = 0;
    const list = ctx.cf.pages.projects.deployments.list(args.pagesProject, { account_id: args.accountId });
    for await (const d of listItems(list as unknown as PromiseLike<NumberedPage<DeploymentLike>>)) {
      // Newest first: past the floor and older than the first attempt, nothing of ours can follow.
      const sinceFirstAttempt = since !== null && Date.parse(d.created_on) >= since;
      if (++seen > MARKER_SCAN_LIMIT && !sinceFirstAttempt) break;
      if (failedOrCancelled(d)) continue;
      const meta = d.deployment_trigger?.metadata;
      if (meta?.commit_message === args.marker) return d;
      if (sinceFirstAttempt && args.source.type === 'git' && meta?.branch === args.source.branch) return d;
    }
    return null;
  });
}

function firstScheduledMs(): number | null {
  try {
    const info = Context.current().info;
    return info.attempt > 1 ? info.scheduledTimestampMs - 60_000 : null;
  } catch {
    return null;
  }
}

/** Step 1: trigger the Pages deployment, at most once per (app, version). */
export async function triggerDeployment(ctx: Ctx, args: TriggerArgs): Promise<TriggeredDeployment> {
  ctx.checkAccount(args.accountId);
  const existing = await findExisting(ctx, args, firstScheduledMs());
  if (existing) {
    ctx.log('found the deployment an earlier attempt created', { deploymentId: existing.id });
    return ref(existing, true);
  }
  if (args.source.type === 'git') {
    const d = await ctx.call(`pages.projects.deployments.create ${args.pagesProject}`, () =>
      ctx.cf.pages.projects.deployments.create(args.pagesProject, {
        account_id: args.accountId,
        branch: args.source.branch,
        commit_message: args.marker,
      }),
    );
    return ref(d as unknown as DeploymentLike, false);
  }
  const d = await directUpload(ctx, { accountId: args.accountId, pagesProject: args.pagesProject, dir: args.source.path, branch: args.source.branch, marker: args.marker });
  return ref(d as unknown as DeploymentLike, false);
}

/**
 * Step 2, one poll: success when the `deploy` stage succeeded; BUILD_FAILED naming the stage on
 * failure/cancel; otherwise STILL_PENDING, which the retry policy turns into a durable wait.
 */
export async function awaitDeployment(ctx: Ctx, args: PagesDeploymentArgs & PollStart): Promise<{ stage: string; attempt: number }> {
  ctx.checkAccount(args.accountId);
  await waitBeforeFirstPoll(ctx, args.firstPollAfterMs);
  const d = (await ctx.call(`pages.projects.deployments.get ${args.deploymentId}`, () =>
    ctx.cf.pages.projects.deployments.get(args.deploymentId, { account_id: args.accountId, project_name: args.pagesProject }),
  )) as unknown as DeploymentLike & { is_skipped?: boolean; stages?: { name: string; status: string }[] };
  const { name, status } = d.latest_stage;
  if (d.is_skipped) throw ApplicationFailure.nonRetryable(`deployment ${d.id} was skipped by Pages`, NOT_RETRYABLE.BUILD_FAILED);
  if (status === 'failure' || status === 'canceled') {
    throw ApplicationFailure.nonRetryable(`deployment ${d.id} ended at stage ${name}: ${status}`, NOT_RETRYABLE.BUILD_FAILED);
  }
  if (name === 'deploy' && status === 'success') return { stage: name, attempt: attempt() };
  // BENIGN: a poll that finds the build running is not an error worth a warning in the worker log.
  throw ApplicationFailure.create({ type: RETRYABLE.STILL_PENDING, message: `deployment ${d.id} at stage ${name}: ${status}`, nonRetryable: false, category: ApplicationFailureCategory.BENIGN });
}
