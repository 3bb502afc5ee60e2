/**
 * Crash per step: one deploy per runbook step, each of its own app and held inside its step (a
 * slow Cloudflare call that lands after the crash, a held synthetic check, or the bake window),
 * then the one worker process is SIGKILLed and a new one started. Every deploy must finish live
 * with exactly one Pages deployment (a Workers app: one Worker version carrying its marker), one
 * DNS record, one versions-list entry and the right version live, judged from the emulator's
 * state and its mutation log. Each step is exercised by a deploy whose source runs it
 * (inputForStep): Pages apps for trigger and build, a Workers app for upload-version.
 *
 * One kill catches every step at once: Temporal only retries an activity whose worker died
 * after its 60 s timeout, so one crash per step would cost a minute each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import type { DeployInput } from '../core/deploy-input.ts';
import { versionHost } from '../core/workers-bundle.ts';
import { DEPLOY_STEPS, type DeployStepName } from '../workflows/deploy-steps.ts';
import { deployFacts, hostFor, inputForStep, outcome, scriptFor, servedVersion, sourceKindOf, startDeploy, waitForProgress, workerHostFor } from './deploys.ts';
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
    const inputs = new Map<DeployStepName, DeployInput>();
    const lifts: (() => void)[] = [];
    const start = async (step: DeployStepName) => {
      const input = inputForStep(stack, appFor(step), step, {
        project: projectFor(step),
        bakeMs: step === 'bake' ? 45_000 : 0,
        checks: step === 'checks' ? { propagationWindowMs: 150_000 } : {},
      });
      inputs.set(step, input);
      lifts.push(holdInStep(stack, step, input, HOLD_MS));
      const handle = await startDeploy(stack, input);
      handles.set(step, handle);
      await waitForProgress(handle, (p) => p.currentStep === step && p.status !== 'compensating', 60_000);
    };
    // Later steps first: each passes DNS before the (zone-wide) DNS hold exists; earlier steps
    // last, since they are held before DNS.
    for (const step of ['domain', 'worker-domain', 'kv-write', 'flip', 'checks', 'bake'] as const) await start(step);
    await start('dns');
    for (const step of ['preflight', 'trigger', 'build', 'upload-version'] as const) await start(step);
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
    const creates = (pattern: string) => appliedMutations(stack.cf, new RegExp(pattern)).filter((m) => m.method === 'POST').length;
    for (const step of DEPLOY_STEPS) {
      const app = appFor(step);
      const facts = await deployFacts(stack, app, projectFor(step));
      const kind = sourceKindOf(inputs.get(step)!);
      if (kind === 'workers-native') {
        // The hostname is the Worker's custom domain (attached once, by the held call or its
        // retry), Cloudflare's deployment serves v1, and no DNS record was made through the API.
        const marked = facts.workerVersionsOf('v1');
        expect.soft(marked.length, `${step}: Worker versions of v1`).toBe(1);
        const host = inputs.get(step)!.hostname;
        expect.soft(stack.cf.state().workerDomains.filter((d) => d.hostname === host).map((d) => d.service), `${step}: custom domains`).toEqual([scriptFor(app)]);
        expect.soft(stack.cf.state().dnsRecords.filter((r) => r.record.name === host && r.record.type === 'CNAME'), `${step}: CNAME records`).toEqual([]);
        // Cloudflare's routing, not the router's: the Worker answers, with no router header.
        const served = await stack.cf.edgeRequest(host, '/');
        expect.soft([served.body.includes(`<h1>${app} v1</h1>`), served.headers['x-nextdeploy-version']], `${step}: served page`).toEqual([true, undefined]);
      } else if (kind === 'workers') {
        // The Worker has one version, carrying the marker (the held first upload, found by the
        // retry), and the live route table pins it; no Pages deployment and no Pages custom
        // domain (the router's zone route serves the hostname).
        const marked = facts.workerVersionsOf('v1');
        expect.soft(marked.length, `${step}: Worker versions of v1`).toBe(1);
        expect.soft(stack.cf.state().workerVersions.filter((v) => v.script === scriptFor(app)).length, `${step}: Worker versions in all`).toBe(1);
        expect.soft(facts.active?.defaultTarget, `${step}: pinned version`).toBe(marked[0] && `https://${versionHost(marked[0].id, scriptFor(app), stack.cf.state().workersSubdomain)}`);
        expect.soft(creates(`/workers/scripts/${scriptFor(app)}/versions$`), `${step}: version creates`).toBeLessThanOrEqual(1);
        expect.soft(facts.dnsRecords.map((r) => r.record.content), `${step}: DNS records`).toEqual([workerHostFor(stack, app)]);
        expect.soft([facts.deploymentsOf('v1').length, facts.domains.length], `${step}: Pages deployments, domains`).toEqual([0, 0]);
        // Through the router to the version's URL: its assets answer.
        expect.soft((await stack.cf.edgeRequest(hostFor(app), '/')).body, `${step}: served page`).toContain(`${app} v1`);
      } else {
        expect.soft(facts.deploymentsOf('v1').length, `${step}: Pages deployments`).toBe(1);
        expect.soft(facts.dnsRecords.map((r) => r.record.content), `${step}: DNS records`).toEqual([`${projectFor(step)}.pages.dev`]);
        expect.soft(facts.domains.length, `${step}: custom domains`).toBe(1);
        // The mutation log: one deployment and one domain created per project.
        expect.soft(creates(`/pages/projects/${projectFor(step)}/deployments$`), `${step}: deployment creates`).toBe(1);
        expect.soft(creates(`/pages/projects/${projectFor(step)}/domains$`), `${step}: domain creates`).toBe(1);
      }
      expect.soft(facts.versions?.filter((v) => v.version === 'v1').map((v) => v.state), `${step}: versions list`).toEqual(['live']);
      expect.soft(facts.active?.version, `${step}: live version`).toBe('v1');
      expect.soft(await servedVersion(stack, app, 'v1', undefined, inputs.get(step)!.hostname), `${step}: served version`).toBe('v1');
    }
    const dnsCreates = appliedMutations(stack.cf, /\/dns_records$/).filter((m) => m.method === 'POST');
    // One record per app whose deploy has a DNS step (a custom domain's record is Cloudflare's).
    expect(dnsCreates).toHaveLength(DEPLOY_STEPS.filter((step) => sourceKindOf(inputs.get(step)!) !== 'workers-native').length);
    expect(appliedMutations(stack.cf).filter((m) => m.method === 'DELETE')).toEqual([]);
  });

  it('no history, log or captured output holds the token', async () => {
    expect(await scanForToken(stack)).toEqual([]);
  });
});
