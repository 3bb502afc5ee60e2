// Fakes of the activities for the workflow tests: every call is logged, each behaviour is
// chosen per test, and a step can be held open (a gate) to cancel the workflow during it.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { parseDeployInput, type DeployInput } from '../core/deploy-input.ts';
import { NOT_RETRYABLE, RETRYABLE } from '../core/failures.ts';
import type { DeployNotification, NextdeployActivities } from '../activities/types.ts';

/** How the fakes behave; the defaults make a deploy go live. */
export interface FakeBehaviour {
  /** Attempts the build stays pending before `buildOutcome`; Infinity = never finishes. */
  buildPendingAttempts?: number;
  buildOutcome?: 'success' | 'failure';
  domainPendingAttempts?: number;
  domainOutcome?: 'active' | 'error';
  /** Check rounds that pass before the checks start failing (Infinity = always pass). */
  checksPassingRounds?: number;
  /** Compensations that fail (by activity name). */
  failingCompensations?: string[];
  activeVersion?: string | null;
  dnsRecordExists?: boolean;
  domainExisted?: boolean;
  /** What preflight reports about its worker's webhook (absent = as older workers: unknown). */
  webhook?: boolean;
  /** Preflight fails (INVALID_TOKEN), so nothing about the worker is learnt. */
  preflightFails?: boolean;
}

/** A gate: the named activity waits inside until `release()`; `entered` resolves when it is inside. */
export interface Gate {
  activity: keyof NextdeployActivities;
  entered: Promise<void>;
  release(): void;
}

export function createGate(activity: keyof NextdeployActivities): Gate & { open: () => Promise<void> } {
  let markEntered!: () => void;
  let release!: () => void;
  const entered = new Promise<void>((r) => (markEntered = r));
  const released = new Promise<void>((r) => (release = r));
  return {
    activity,
    entered,
    release,
    open: async () => {
      markEntered();
      await released;
    },
  };
}

/** The fake activities and the log of what they were asked to do, in order. */
export function createFakeActivities(behaviour: FakeBehaviour = {}, gate?: ReturnType<typeof createGate>) {
  const calls: string[] = [];
  /** The `proxied` flag of each DNS upsert, in order. */
  const dnsProxied: boolean[] = [];
  /** The `expectVersion` of each check run, in order. */
  const expectedVersions: (string | null)[] = [];
  /** Webhook notifications, kept apart from `calls` (they follow the outcome, not the runbook). */
  const notifications: DeployNotification[] = [];
  let checkRounds = 0;
  const b = {
    buildPendingAttempts: 0,
    buildOutcome: 'success',
    domainPendingAttempts: 0,
    domainOutcome: 'active',
    checksPassingRounds: Infinity,
    failingCompensations: [],
    activeVersion: 'v1',
    dnsRecordExists: true,
    domainExisted: false,
    preflightFails: false,
    ...behaviour,
  } satisfies Required<Omit<FakeBehaviour, 'webhook'>>;
  const enter = async (name: keyof NextdeployActivities) => {
    calls.push(name);
    if (gate?.activity === name) await gate.open();
    if ((b.failingCompensations as string[]).includes(name)) throw ApplicationFailure.nonRetryable(`${name} broke`, NOT_RETRYABLE.CLOUDFLARE_ERROR);
  };
  const attempt = () => Context.current().info.attempt;

  const activities: NextdeployActivities = {
    async preflight(input) {
      await enter('preflight');
      if (b.preflightFails) throw ApplicationFailure.nonRetryable('the API token is expired', NOT_RETRYABLE.INVALID_TOKEN);
      return {
        zoneName: 'nextdeploy.test',
        activeVersion: b.activeVersion,
        dnsRecord: b.dnsRecordExists
          ? { id: 'rec-old', type: 'CNAME', name: 'app123.nextdeploy.test', content: 'old.pages.dev', proxied: true, ttl: 1 }
          : null,
        domainExisted: b.domainExisted,
        ...(input.source.type === 'workers' && input.source.routing === 'native' ? { workerDomain: null } : {}),
        ...(behaviour.webhook === undefined ? {} : { webhook: behaviour.webhook }),
      };
    },
    async triggerDeployment() {
      await enter('triggerDeployment');
      return { id: 'dep-1', shortId: 'abc12345', url: 'https://abc12345.proj.pages.dev', reused: false };
    },
    async uploadWorkerVersion() {
      await enter('uploadWorkerVersion');
      return { id: '1a2b3c4d-0000-4000-8000-000000000001', shortId: '1a2b3c4d', url: 'https://1a2b3c4d-shop.acct.workers.dev', reused: false, stats: { assets: 3, assetsUploaded: 3, bytesUploaded: 1000 } };
    },
    async awaitDeployment() {
      await enter('awaitDeployment');
      if (attempt() <= b.buildPendingAttempts) throw ApplicationFailure.retryable(`stage build: active (attempt ${attempt()})`, RETRYABLE.STILL_PENDING);
      if (b.buildOutcome === 'failure') throw ApplicationFailure.nonRetryable('stage build: failure: npm run build exited with 1', NOT_RETRYABLE.BUILD_FAILED);
      return { stage: 'deploy', attempt: attempt() };
    },
    async upsertDnsRecord(args) {
      await enter('upsertDnsRecord');
      dnsProxied.push(args.proxied);
      return { recordId: 'rec-old', action: 'updated' };
    },
    async restoreDnsRecord() {
      await enter('restoreDnsRecord');
    },
    async attachCustomDomain() {
      await enter('attachCustomDomain');
      return { attachedByUs: !b.domainExisted };
    },
    async awaitCustomDomain() {
      await enter('awaitCustomDomain');
      if (attempt() <= b.domainPendingAttempts) throw ApplicationFailure.retryable(`domain pending (attempt ${attempt()})`, RETRYABLE.STILL_PENDING);
      if (b.domainOutcome === 'error') throw ApplicationFailure.nonRetryable('domain status error: CAA record blocks issuance', NOT_RETRYABLE.DOMAIN_FAILED);
      return { status: 'active', attempt: attempt() };
    },
    async detachCustomDomain() {
      await enter('detachCustomDomain');
    },
    async attachWorkerDomain() {
      await enter('attachWorkerDomain');
      return { id: 'wd-1', status: 'attached' as const };
    },
    async restoreWorkerDomain() {
      await enter('restoreWorkerDomain');
    },
    async writeVersionKeys() {
      await enter('writeVersionKeys');
      return { written: true };
    },
    async announcePendingVersion() {
      await enter('announcePendingVersion');
      return { announced: true };
    },
    async markVersionFailed() {
      await enter('markVersionFailed');
    },
    async flipActive() {
      await enter('flipActive');
      return { previousVersion: b.activeVersion };
    },
    async restoreActive() {
      await enter('restoreActive');
    },
    async resolveRollbackTarget(args) {
      await enter('resolveRollbackTarget');
      if (args.toVersion === 'v-failed') throw ApplicationFailure.nonRetryable('version v-failed is failed', NOT_RETRYABLE.ROLLBACK_TARGET_INVALID);
      return { fromVersion: 'v2', toVersion: args.toVersion ?? 'v1' };
    },
    async runChecks(args) {
      await enter('runChecks');
      expectedVersions.push(args.expectVersion);
      checkRounds += 1;
      const ok = checkRounds <= b.checksPassingRounds;
      return {
        ok,
        rounds: 1,
        results: args.paths.map((path) => ({ path, ok, status: ok ? 200 : 502, version: args.expectVersion, error: null })),
        summary: ok ? `${args.paths.length} paths OK` : `${args.paths[0]} answered 502`,
      };
    },
    async notifyDeployFinished(notification) {
      notifications.push(notification);
      return { delivered: true, status: 204 };
    },
    async planRetention() {
      throw ApplicationFailure.nonRetryable('retention is not faked', NOT_RETRYABLE.INVALID_INPUT);
    },
    async pruneVersions() {
      throw ApplicationFailure.nonRetryable('retention is not faked', NOT_RETRYABLE.INVALID_INPUT);
    },
    async pruneDeployments() {
      throw ApplicationFailure.nonRetryable('retention is not faked', NOT_RETRYABLE.INVALID_INPUT);
    },
  };
  return { activities, calls, dnsProxied, expectedVersions, notifications };
}

/** A valid deploy input for workflow tests with fake activities; `overrides` replace top-level fields. */
export function sampleDeployInput(overrides: Record<string, unknown> = {}): DeployInput {
  return parseDeployInput({
    app: 'app123',
    version: 'v2',
    accountId: 'a'.repeat(32),
    zoneId: 'b'.repeat(32),
    kvNamespaceId: 'c'.repeat(32),
    pagesProject: 'proj',
    source: { type: 'git', branch: 'main' },
    metadata: { app: 'app123', version: 'v2', defaultTarget: 'https://proj.pages.dev', routes: { '/blog': 'https://proj.pages.dev/blog' } },
    hostname: 'app123.nextdeploy.test',
    checks: { paths: ['/', '/blog'], propagationWindowMs: 1_000, retryIntervalMs: 100 },
    timing: { buildTimeoutMs: 20 * 60_000, domainTimeoutMs: 30 * 60_000, bakeMs: 0 },
    ...overrides,
  });
}
