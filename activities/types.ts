import type { DeployInput } from '../core/deploy-input.ts';
import type { Metadata } from '../core/metadata.ts';
import type { DeployNotification } from './webhook.ts';

/**
 * The activity contract the workflows are written against (imported as a type only). The real
 * implementation is `createActivities(...)`; workflow tests pass fakes with the same shape.
 * Every argument and result is plain JSON and free of secrets: they land in the history.
 */

/** A DNS record as preflight found it, so the saga can put it back. */
export interface DnsRecordSnapshot {
  id: string;
  type: string;
  name: string;
  content: string;
  proxied: boolean;
  ttl: number;
}

/** What preflight hands the rest of the run. */
export interface PreflightResult {
  zoneName: string;
  /** The live version before this deploy (null = the app was never live). */
  activeVersion: string | null;
  /** The record the hostname has now (null = none). */
  dnsRecord: DnsRecordSnapshot | null;
  /** Whether the Pages project already has the custom domain. */
  domainExisted: boolean;
  /**
   * Whether the worker that ran preflight sends the deploy webhook. False: the workflow schedules
   * no notification at the end. Absent (histories of older workers): it does, as before.
   */
  webhook?: boolean;
}

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
  source: DeployInput['source'];
  /** Tag written into the deployment (commit message) so a retry finds it: `nextdeploy <app>@<version>`. */
  marker: string;
}

export interface PagesDeploymentArgs {
  accountId: string;
  pagesProject: string;
  deploymentId: string;
}

export interface UpsertDnsArgs {
  zoneId: string;
  hostname: string;
  target: string;
  proxied: boolean;
}

export interface UpsertDnsResult {
  recordId: string;
  action: 'created' | 'updated' | 'unchanged';
}

export interface RestoreDnsArgs {
  zoneId: string;
  hostname: string;
  /** The content this deploy wrote (a record with other content is someone else's: left alone). */
  target: string;
  previous: DnsRecordSnapshot | null;
}

export interface DomainArgs {
  accountId: string;
  pagesProject: string;
  hostname: string;
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

export interface KvArgs {
  accountId: string;
  kvNamespaceId: string;
  app: string;
}

/** The version a deploy brings up, as its versions-list entry names it. */
export interface AnnounceVersionArgs extends KvArgs {
  version: string;
  deployment: DeploymentRef;
  /** How many versions the list keeps (the input's `versionsRetention`). */
  retention: number;
}

export interface WriteVersionArgs extends AnnounceVersionArgs {
  pagesProject: string;
  metadata: Metadata;
}

export interface FlipArgs extends KvArgs {
  version: string;
  /** Hosts route targets may use (default: those of the live record). */
  allowedHosts?: string[];
  /** `workflow:deploy-<app>` or `rollback:<workflow id>`. */
  activatedBy: string;
  /** State the version that stops being live gets in the versions list. */
  previousState?: 'retired' | 'failed';
  reason?: string;
}

export interface RestoreActiveArgs extends KvArgs {
  /** The version this deploy made live (marked failed). */
  failedVersion: string;
  /** The version to make live again; null = the app was not live before: remove the record. */
  previousVersion: string | null;
  activatedBy: string;
  reason: string;
}

export interface MarkFailedArgs extends KvArgs {
  version: string;
  reason: string;
}

export interface ResolveRollbackArgs extends KvArgs {
  toVersion?: string;
}

export interface ChecksArgs {
  hostname: string;
  paths: string[];
  expectStatus?: number[];
  /** Require `x-nextdeploy-version` to equal this (null = do not look at it). */
  expectVersion: string | null;
  requestTimeoutMs: number;
  /** Keep retrying failing rounds for this long (0 = one round). */
  windowMs: number;
  intervalMs: number;
}

/** One request of a check round. */
export interface CheckResult {
  path: string;
  ok: boolean;
  status: number | null;
  version: string | null;
  error: string | null;
}

export interface CheckReport {
  ok: boolean;
  rounds: number;
  /** The last round's results. */
  results: CheckResult[];
  summary: string;
}

/** Retention of one app: `keep` newest versions and deployments, plus everything live/previous need. */
export interface RetentionArgs extends KvArgs {
  pagesProject: string;
  keep: number;
  /** Deployments (and their versions) younger than this are never pruned: a deploy may be using them. */
  minAgeMs: number;
  /** Cap per run on each kind of deletion (the API budget is shared with deploys). */
  maxDeletions: number;
}

/** What {@link NextdeployActivities.planRetention} decided; nothing is deleted yet. */
export interface RetentionPlan {
  live: string | null;
  previous: string | null;
  keptVersions: string[];
  /** Versions whose list entry and KV keys go. */
  pruneVersions: string[];
  /** Deployments that go, oldest first. */
  pruneDeployments: { id: string; shortId: string; version: string | null; createdOn: string }[];
}

export interface PruneVersionsArgs extends KvArgs {
  versions: string[];
}

export interface PruneDeploymentsArgs extends KvArgs {
  pagesProject: string;
  deployments: RetentionPlan['pruneDeployments'];
}

export interface PruneResult {
  deleted: string[];
  skipped: { id: string; why: string }[];
}

/** The JSON body of the deploy webhook (see activities/webhook.ts). */
export type { DeployNotification } from './webhook.ts';

/** Every activity the deploy, rollback and retention workflows call. */
export interface NextdeployActivities {
  preflight(input: DeployInput): Promise<PreflightResult>;
  triggerDeployment(args: TriggerArgs): Promise<TriggeredDeployment>;
  /** Fails with STILL_PENDING while building (the retry policy is the poll loop), BUILD_FAILED on failure. */
  awaitDeployment(args: PagesDeploymentArgs & PollStart): Promise<{ stage: string; attempt: number }>;
  upsertDnsRecord(args: UpsertDnsArgs): Promise<UpsertDnsResult>;
  restoreDnsRecord(args: RestoreDnsArgs): Promise<void>;
  attachCustomDomain(args: DomainArgs): Promise<{ attachedByUs: boolean }>;
  /** Fails with STILL_PENDING until active, DOMAIN_FAILED on error/blocked. */
  awaitCustomDomain(args: DomainArgs & { attach?: boolean }): Promise<{ status: string; attempt: number }>;
  detachCustomDomain(args: DomainArgs): Promise<void>;
  writeVersionKeys(args: WriteVersionArgs): Promise<{ written: boolean }>;
  /** Before the domain step of an app with nothing live: the version's entry, pending, for certificate validation. */
  announcePendingVersion(args: AnnounceVersionArgs): Promise<{ announced: boolean }>;
  markVersionFailed(args: MarkFailedArgs): Promise<void>;
  flipActive(args: FlipArgs): Promise<{ previousVersion: string | null }>;
  restoreActive(args: RestoreActiveArgs): Promise<void>;
  /** For the manual rollback: the live version and the (validated) target. */
  resolveRollbackTarget(args: ResolveRollbackArgs): Promise<{ fromVersion: string; toVersion: string }>;
  runChecks(args: ChecksArgs): Promise<CheckReport>;
  /**
   * The signed webhook on a deploy's final status. Always registered: a worker without
   * `NEXTDEPLOY_WEBHOOK_URL`/`_SECRET` answers `{ delivered: false }` without a request.
   */
  notifyDeployFinished(notification: DeployNotification): Promise<{ delivered: boolean; status: number | null }>;
  planRetention(args: RetentionArgs): Promise<RetentionPlan>;
  pruneVersions(args: PruneVersionsArgs): Promise<PruneResult>;
  pruneDeployments(args: PruneDeploymentsArgs): Promise<PruneResult>;
}
