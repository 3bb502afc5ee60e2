/**
 * The activity contract the workflows are written against, imported as types only: the
 * activities' own types, each declared beside its activity, and the activity set derived from
 * `createActivities`. Workflow tests pass fakes of the same shape. Every argument and result is
 * plain JSON and free of secrets: they land in the history.
 */
export type { NextdeployActivities } from './index.ts';

export type { CheckReport, CheckResult, ChecksArgs } from './checks.ts';
export type { DnsRecordSnapshot, RestoreDnsArgs, UpsertDnsArgs, UpsertDnsResult } from './dns.ts';
export type { DomainArgs } from './domains.ts';
export type { KvArgs } from './kv-store.ts';
export type { DeploymentRef, PagesDeploymentArgs, PollStart, TriggerArgs, TriggeredDeployment } from './pages.ts';
export type { PreflightResult } from './preflight.ts';
export type { PruneDeploymentsArgs, PruneResult, PruneVersionsArgs, RetentionArgs, RetentionPlan } from './retention.ts';
export type { AnnounceVersionArgs, FlipArgs, MarkFailedArgs, ResolveRollbackArgs, RestoreActiveArgs, WriteVersionArgs } from './versions.ts';
/** The JSON body of the deploy webhook (see activities/webhook.ts). */
export type { DeployNotification } from './webhook.ts';
