/**
 * Cloudflare misbehaving: 429 with Retry-After, 500/502/503, connection resets and a hang past
 * the client timeout. Deploys still end live with no duplicates, and a 429 is retried no sooner
 * than its Retry-After.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFacts, outcome, startDeploy, testDeployInput } from './deploys.ts';
import { FAULT_PROJECT, startFaultStack, type FaultStack } from './harness.ts';
import { KV_BULK } from './holds.ts';
import { appliedMutations } from './observe.ts';
import { scanForToken } from './secrets.ts';

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack({ projects: ['faulty-a', 'faulty-b', 'faulty-c'] });
  await stack.spawnWorker();
});
afterAll(async () => {
  await stack?.stop();
});

async function expectDeployedOnce(app: string, project: string, version = 'v1'): Promise<void> {
  const facts = await deployFacts(stack, app, project);
  expect(facts.deploymentsOf(version), `${app}: Pages deployments`).toHaveLength(1);
  expect(facts.dnsRecords.map((r) => r.record.content), `${app}: DNS`).toEqual([`${project}.pages.dev`]);
  expect(facts.domains, `${app}: domains`).toHaveLength(1);
  expect(facts.versions?.map((v) => `${v.version}:${v.state}`), `${app}: versions`).toEqual([`${version}:live`]);
  expect(facts.active?.version, `${app}: live`).toBe(version);
}

describe('every kind of API fault, once each, in one deploy', () => {
  it('ends live with one deployment, one record, one version; the 429 waited for Retry-After', async () => {
    const c = stack.cf;
    const faults = [
      c.addFault({ method: 'GET', path: '/zones/*', status: 500, count: 1 }),
      c.addFault({ method: 'POST', path: `/accounts/*/pages/projects/${FAULT_PROJECT}/deployments`, status: 502, count: 1 }),
      c.addFault({ method: 'GET', path: `/accounts/*/pages/projects/${FAULT_PROJECT}/deployments/*`, hang: true, count: 1 }),
      c.addFault({ method: 'POST', path: '/zones/*/dns_records', status: 429, retryAfter: 3, count: 1 }),
      c.addFault({ method: 'POST', path: `/accounts/*/pages/projects/${FAULT_PROJECT}/domains`, status: 503, count: 1 }),
      c.addFault({ method: 'PUT', path: KV_BULK, reset: true, count: 1 }),
    ];
    const handle = await startDeploy(stack, testDeployInput(stack, 'faulty'));
    const end = await outcome(handle);
    expect(end.error).toBeUndefined();
    expect(end.result?.status).toBe('live');
    // Every fault fired (a one-shot fault disappears once it has).
    const left = c.faults.list().map((f) => f.id);
    expect(faults.filter((f) => left.includes(f.id))).toEqual([]);
    await expectDeployedOnce('faulty', FAULT_PROJECT);

    const dnsCreates = c.core.observe.requests.filter((r) => r.method === 'POST' && /\/zones\/[^/]+\/dns_records$/.test(r.path));
    expect(dnsCreates.map((r) => r.status)).toEqual([429, 200]);
    const waited = Date.parse(dnsCreates[1]!.time) - Date.parse(dnsCreates[0]!.time);
    expect(waited).toBeGreaterThanOrEqual(3_000);
  });
});

describe('a share of all calls failing, three deploys at once', () => {
  it('all end live with no duplicates', async () => {
    const c = stack.cf;
    const shared = [
      // About one call in nine fails. An activity makes up to six calls and any failing one fails
      // the attempt, so a higher share only measures Temporal's backoff (2 s, 4 s, 8 s …).
      c.addFault({ path: '*', status: 429, retryAfter: 1, rate: 0.03 }),
      c.addFault({ path: '*', status: 500, rate: 0.02 }),
      c.addFault({ path: '*', status: 502, rate: 0.02 }),
      c.addFault({ path: '*', status: 503, rate: 0.02 }),
      c.addFault({ path: '*', reset: true, rate: 0.02 }),
    ];
    try {
      const apps = [
        ['share-a', 'faulty-a'],
        ['share-b', 'faulty-b'],
        ['share-c', 'faulty-c'],
      ] as const;
      const ends = await Promise.all(
        apps.map(async ([app, project]) => outcome(await startDeploy(stack, testDeployInput(stack, app, { project })))),
      );
      for (const end of ends) {
        expect.soft(end.error?.message).toBeUndefined();
        expect.soft(end.result?.status).toBe('live');
      }
      const fired = c.faults.list().filter((f) => shared.some((s) => s.id === f.id)).reduce((n, f) => n + f.fired, 0);
      expect(fired).toBeGreaterThan(0);
      for (const [app, project] of apps) {
        await expectDeployedOnce(app, project);
        expect(appliedMutations(c, new RegExp(`/pages/projects/${project}/deployments$`)).filter((m) => m.method === 'POST')).toHaveLength(1);
      }
    } finally {
      for (const f of shared) c.faults.remove(f.id);
    }
  }, 240_000);

  it('no history, log or captured output holds the token', async () => {
    expect(await scanForToken(stack)).toEqual([]);
  });
});
