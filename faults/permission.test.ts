/**
 * Permission faults: a token missing one permission fails in preflight, naming it, before any
 * mutation; a 401 or 403 in the middle of a run is not retried (one request, then the saga).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permissionTable } from '../client/token-check.ts';
import { NOT_RETRYABLE } from '../core/failures.ts';
import { kvKeys } from '../core/kv-records.ts';
import { deployFacts, failureType, outcome, startDeploy, testDeployInput } from './deploys.ts';
import { FAULT_PROJECT, startFaultStack, type FaultStack } from './harness.ts';
import { KV_BULK } from './holds.ts';
import { scanForToken } from './secrets.ts';
import type { WorkerProcess } from '../devstack/worker-process.ts';

/** Every group a Direct Upload deploy with DNS and a custom domain needs, and reading itself. */
const NEEDED = permissionTable([], { source: 'direct-upload', dns: true, customDomain: true }).map((r) => r.group);
const LACKING = 'DNS Write';
const LIMITED_TOKEN = `cfl_limited_${'7'.repeat(24)}`;
/** Activities of the runbook after preflight (activities/types.ts): none may run when preflight refuses. */
const RUNBOOK_ACTIVITIES = ['triggerDeployment', 'awaitDeployment', 'upsertDnsRecord', 'attachCustomDomain', 'awaitCustomDomain', 'writeVersionKeys', 'flipActive', 'runChecks'];

let stack: FaultStack;
let limited: WorkerProcess;
let limitedFile: string;
beforeAll(async () => {
  stack = await startFaultStack({
    tokens: [{ value: LIMITED_TOKEN, name: 'lacks-dns-write', permissionGroups: [...NEEDED.filter((g) => g !== LACKING), 'API Tokens Read'] }],
  });
  limitedFile = path.join(stack.dir, 'limited-token');
  writeFileSync(limitedFile, `${LIMITED_TOKEN}\n`, { mode: 0o600 });
  limited = await stack.spawnWorker({ tokenFile: limitedFile });
});
afterAll(async () => {
  await stack?.stop();
});

describe('a token missing one permission', () => {
  it('fails in preflight with PERMISSION_DENIED naming the permission, and nothing was changed', async () => {
    expect(NEEDED).toContain(LACKING);
    stack.cf.clearMutations();
    const handle = await startDeploy(stack, testDeployInput(stack, 'noperm'));
    const end = await outcome(handle);
    // Later cases need a worker with the full token on the queue, whatever happens here.
    await limited.stop();
    expect(end.result).toBeUndefined();
    expect(failureType(end.error)).toBe(NOT_RETRYABLE.PERMISSION_DENIED);
    const message = String((end.error?.cause as Error | undefined)?.message ?? end.error?.message);
    expect(message).toContain(`"${LACKING}"`);
    expect(message).toContain('Zone → DNS → Edit');
    expect(stack.cf.mutations()).toEqual([]);
    const facts = await deployFacts(stack, 'noperm');
    expect(facts.deploymentsOf('v1')).toEqual([]);
    expect(facts.active).toBeNull();
    // Preflight ran once (a missing permission is not retried) and no later runbook step ran.
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter((n): n is string => Boolean(n));
    expect(scheduled.filter((n) => n === 'preflight')).toHaveLength(1);
    expect(scheduled.filter((n) => RUNBOOK_ACTIVITIES.includes(n))).toEqual([]);
    expect(events.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes?.attempt)).not.toContain(2);
  });
});

describe('401 and 403 in the middle of a run', () => {
  it.each([
    ['403 on the custom domain attach', 'POST', `/accounts/*/pages/projects/${FAULT_PROJECT}/domains`, 403, 10000, NOT_RETRYABLE.PERMISSION_DENIED, 'midrun-403'],
    ['401 on the version keys write', 'PUT', KV_BULK, 401, 1000, NOT_RETRYABLE.INVALID_TOKEN, 'midrun-401'],
  ] as const)('%s: one request, no retry, the deploy fails and the saga undoes it', async (_name, method, faultPath, status, code, type, app) => {
    if (stack.workers.every((w) => w.child.exitCode !== null || w.child.signalCode !== null)) await stack.spawnWorker();
    // A bulk write names its keys in the body: pick this app's version keys write.
    const fault = stack.cf.addFault({ method, path: faultPath, status, code, ...(faultPath === KV_BULK ? { bodyIncludes: `"${kvKeys.routes(app, '')}` } : {}) });
    try {
      const handle = await startDeploy(stack, testDeployInput(stack, app));
      const end = await outcome(handle);
      expect(end.result).toBeUndefined();
      expect(failureType(end.error)).toBe(type);
      expect(stack.cf.faults.list().find((f) => f.id === fault.id)?.fired).toBe(1);
      // Undone: no DNS record, no domain left by this deploy, nothing live.
      const facts = await deployFacts(stack, app);
      expect(facts.dnsRecords).toEqual([]);
      expect(facts.domains).toEqual([]);
      expect(facts.active).toBeNull();
    } finally {
      stack.cf.faults.remove(fault.id);
    }
  });

  it('no history, log or captured output holds either token', async () => {
    expect(await scanForToken(stack, { extraTokens: [LIMITED_TOKEN], tokenFiles: [limitedFile] })).toEqual([]);
  });
});
