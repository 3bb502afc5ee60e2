/**
 * Crash per step: nine deploys of nine apps, each held inside a different runbook step (a slow
 * Cloudflare call that lands after the crash, a held synthetic check, or the bake window), then
 * the one worker process is SIGKILLed and a new one started. Every deploy must finish live with
 * exactly one Pages deployment, one DNS record, one versions-list entry and the right version live,
 * judged from the emulator's state and its mutation log.
 *
 * One kill catches all nine steps at once: Temporal only retries an activity whose worker died
 * after its 60 s start-to-close timeout, so nine sequential crashes would cost nine minutes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { DEPLOY_STEPS, type DeployStepName } from '../workflows/deploy-steps.ts';
import { deployFacts, outcome, servedVersion, startDeploy, testDeployInput, waitForProgress } from './deploys.ts';
import { startFaultStack, type FaultStack } from './harness.ts';
import { holdInStep } from './holds.ts';
import { appliedMutations } from './observe.ts';
import { scanForToken } from './secrets.ts';

/** Long enough to outlast the setup of the other holds; short of the 60 s activity timeout. */
const HOLD_MS = 30_000;

const appFor = (step: DeployStepName) => `crash-${step}`;
const projectFor = (step: DeployStepName) => `crash-${step}-proj`;

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack({ projects: DEPLOY_STEPS.map(projectFor) });
});
afterAll(async () => {
  await stack?.stop();
});

describe('a worker SIGKILLed while each runbook step runs', () => {
  it('every deploy still ends live, once, with the right version', async () => {
    const first = await stack.spawnWorker();
    stack.cf.clearMutations();
    const handles = new Map<DeployStepName, WorkflowHandle>();
    const lifts: (() => void)[] = [];
    const start = async (step: DeployStepName) => {
      lifts.push(holdInStep(stack, step, appFor(step), projectFor(step), HOLD_MS));
      const input = testDeployInput(stack, appFor(step), {
        project: projectFor(step),
        bakeMs: step === 'bake' ? 45_000 : 0,
        checks: step === 'checks' ? { propagationWindowMs: 150_000 } : {},
      });
      const handle = await startDeploy(stack, input);
      handles.set(step, handle);
      await waitForProgress(handle, (p) => p.currentStep === step && p.status !== 'compensating', 60_000);
    };
    // Later steps first: each passes DNS before the (zone-wide) DNS hold exists; earlier steps
    // last, since they are held before DNS.
    for (const step of ['domain', 'kv-write', 'flip', 'checks', 'bake'] as const) await start(step);
    await start('dns');
    for (const step of ['preflight', 'trigger', 'build'] as const) await start(step);
    expect([...handles.keys()].sort()).toEqual([...DEPLOY_STEPS].sort());

    // Every deploy is inside its step right now (checked once more, just before the crash).
    for (const [step, handle] of handles) await waitForProgress(handle, (p) => p.currentStep === step, 5_000);
    await first.kill();
    expect(first.child.signalCode).toBe('SIGKILL');
    // Held calls still land (after the crash); only the edge hold and unfired faults are lifted.
    for (const lift of lifts) lift();
    await stack.spawnWorker();

    const ends = await Promise.all([...handles].map(async ([step, handle]) => ({ step, ...(await outcome(handle)) })));
    for (const end of ends) {
      expect.soft(end.error?.message, end.step).toBeUndefined();
      expect.soft(end.result?.status, end.step).toBe('live');
    }
    for (const step of DEPLOY_STEPS) {
      const facts = await deployFacts(stack, appFor(step), projectFor(step));
      expect.soft(facts.deploymentsOf('v1').length, `${step}: Pages deployments`).toBe(1);
      expect.soft(facts.dnsRecords.map((r) => r.record.content), `${step}: DNS records`).toEqual([`${projectFor(step)}.pages.dev`]);
      expect.soft(facts.domains.length, `${step}: custom domains`).toBe(1);
      expect.soft(facts.versions?.filter((v) => v.version === 'v1').map((v) => v.state), `${step}: versions list`).toEqual(['live']);
      expect.soft(facts.active?.version, `${step}: live version`).toBe('v1');
      // The mutation log: one deployment and one domain created per project, nothing deleted.
      expect.soft(appliedMutations(stack.cf, new RegExp(`/pages/projects/${projectFor(step)}/deployments$`)).filter((m) => m.method === 'POST').length, `${step}: deployment creates`).toBe(1);
      expect.soft(appliedMutations(stack.cf, new RegExp(`/pages/projects/${projectFor(step)}/domains$`)).filter((m) => m.method === 'POST').length, `${step}: domain creates`).toBe(1);
      expect.soft(await servedVersion(stack, appFor(step), 'v1'), `${step}: served version`).toBe('v1');
    }
    const dnsCreates = appliedMutations(stack.cf, /\/dns_records$/).filter((m) => m.method === 'POST');
    expect(dnsCreates).toHaveLength(DEPLOY_STEPS.length);
    expect(appliedMutations(stack.cf).filter((m) => m.method === 'DELETE')).toEqual([]);
  });

  it('no history, log or captured output holds the token', async () => {
    expect(await scanForToken(stack)).toEqual([]);
  });
});
