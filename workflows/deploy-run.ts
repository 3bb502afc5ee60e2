import { ApplicationFailure, CancellationScope, CancelledFailure, workflowInfo } from '@temporalio/workflow';
import type { DeployInput, PagesSource, WorkersSource } from '../core/deploy-input.ts';
import { ROLLBACK_REASONS } from '../core/failures.ts';
import type { RollbackRequest } from '../core/workflow-contracts.ts';
import type { DeploymentRef, KvArgs, DomainArgs, PreflightResult, TriggeredDeployment } from '../activities/types.ts';
import type { ChecksSettings } from './checks.ts';
import { interruptible } from './interruptible.ts';
import type { ProgressTracker } from './progress.ts';

/**
 * What the input alone fixes about one deploy: the argument shapes built once, its source kind.
 * The steps' `when` reads only this, so which steps a deploy runs is known before it starts
 * ({@link DeployRun} adds what the running workflow learns; tests and tools build a plan).
 */
export class DeployPlan {
  readonly app: string;
  readonly version: string;
  readonly timing: DeployInput['timing'];
  readonly kv: KvArgs;
  readonly domainArgs: DomainArgs;
  /** The CNAME target: `<project>.pages.dev`, or the Worker's `<script>.<subdomain>.workers.dev`. */
  readonly dnsTarget: string;
  /** The Workers source when this deploy uploads a Worker version (the Workers row), else null. */
  readonly workers: WorkersSource | null;
  /** The Pages source when this deploy is a Pages deployment, else null. */
  readonly pages: PagesSource | null;
  /** The checks' settings with their hostname resolved (the deploy's unless set). */
  readonly checks: ChecksSettings;
  /** Create the record unproxied and proxy it once the certificate is active. */
  readonly proxyLater: boolean;
  /** A Workers deploy routed by Cloudflare (the hostname is the Worker's custom domain), not by the router. */
  readonly native: boolean;
  /** The Workers custom domain's arguments (native routing). */
  readonly workerDomainArgs: { accountId: string; zoneId: string; hostname: string; script: string };

  constructor(readonly input: DeployInput) {
    this.app = input.app;
    this.version = input.version;
    this.timing = input.timing;
    this.kv = { accountId: input.accountId, kvNamespaceId: input.kvNamespaceId, app: input.app };
    this.domainArgs = { accountId: input.accountId, pagesProject: input.pagesProject, hostname: input.hostname };
    const { source } = input;
    this.workers = source.type === 'workers' ? source : null;
    this.pages = source.type === 'workers' ? null : source;
    this.dnsTarget = this.workers ? `${this.workers.script}.${this.workers.subdomain}.workers.dev` : `${input.pagesProject}.pages.dev`;
    this.native = this.workers?.routing === 'native';
    this.workerDomainArgs = { accountId: input.accountId, zoneId: input.zoneId, hostname: input.hostname, script: this.workers?.script ?? '' };
    // Without the router nothing adds `x-nextdeploy-version`: checks look at the answers only.
    this.checks = { ...input.checks, hostname: input.checks.hostname ?? input.hostname, ...(this.native ? { expectVersionHeader: false } : {}) };
    this.proxyLater = input.dns.enabled && input.dns.proxied && input.dns.unproxiedUntilDomainActive && input.customDomain.enabled;
  }
}

/**
 * One deploy as its steps see it: the plan, what earlier steps found, and the rollback request a
 * signal may bring. Lives only inside the workflow.
 */
export class DeployRun extends DeployPlan {
  /** `workflow:deploy-<app>`, recorded with every flip. */
  readonly activatedBy: string;

  /** What preflight found live, in DNS and on the domain; set by the first step. */
  preflight!: PreflightResult;
  /** The Pages deployment as the trigger step returned it. */
  triggered!: TriggeredDeployment;
  /** The deployment as results and KV records name it (unset until the trigger step succeeded). */
  deployment: DeploymentRef | undefined;
  /** Whether the version was announced as pending before the domain step (patched). */
  announced = false;
  /** Live before this deploy, then what the flip replaced; what the flip's compensation restores. */
  previousVersion: string | null = null;
  /** The live version as this deploy last knew it. */
  liveVersion: string | null = null;
  wentLive = false;
  /** What preflight learnt about its worker's webhook (unknown until preflight succeeds). */
  webhook: boolean | undefined;

  private rollback: RollbackRequest | null = null;

  constructor(
    input: DeployInput,
    readonly progress: ProgressTracker,
  ) {
    super(input);
    this.activatedBy = `workflow:${workflowInfo().workflowId}`;
  }

  /** The `rollback` signal: the first request wins. */
  requestRollback(request: RollbackRequest | undefined): void {
    this.rollback ??= { ...(request ?? {}) };
  }

  get rollbackRequested(): boolean {
    return this.rollback !== null;
  }

  rollbackFailure(): ApplicationFailure {
    return ApplicationFailure.nonRetryable(`rollback requested by signal${this.rollback?.reason ? `: ${this.rollback.reason}` : ''}`, ROLLBACK_REASONS.SIGNAL);
  }

  /**
   * Between steps: a rollback signal stops the run, and so does a cancellation that arrived while
   * a step was finishing, before the next step registers a compensation for work it never did.
   */
  stopIfRollbackRequested(): void {
    if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('deploy cancelled');
    if (this.rollback) throw this.rollbackFailure();
  }

  /** A wait (build, certificate, checks) that a rollback signal ends at once. */
  untilRollback<T>(wait: () => Promise<T>): Promise<T> {
    return interruptible(wait, () => this.rollbackRequested, () => this.rollbackFailure());
  }
}
