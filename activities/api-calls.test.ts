// How many Cloudflare API calls each step makes: every one counts against the token's 1,200 per
// 5 minutes, shared by a whole fleet of deploys. Against the local Cloudflare over real HTTP.
import type { PagesSource } from '../core/deploy-input.ts';
import { describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { RETRYABLE } from '../core/failures.ts';
import { kvKeys } from '../core/kv-records.ts';
import { activities, callsDuring, cf, input, KV_ID, useLocalCloudflare } from './fixture.ts';
import { createActivities, createCloudflareClient } from './index.ts';

useLocalCloudflare();

describe('API calls per step (each counts against 1,200 per 5 minutes)', () => {
  it('reads an app\'s keys in one bulk get and writes them in one bulk write, for the version keys and for the flip', async () => {
    const args = { accountId: cf.accountId, kvNamespaceId: KV_ID, app: 'callapp' };
    const meta = (version: string) => ({ app: 'callapp', version, defaultTarget: 'https://demo.pages.dev', routes: { '/blog': 'https://demo.pages.dev/blog' } });
    const write = (version: string) =>
      activities.writeVersionKeys({ ...args, version, pagesProject: 'demo', metadata: meta(version), deployment: { id: `d-${version}`, shortId: 'cccc3333', url: 'https://cccc3333.demo.pages.dev' }, retention: 5 });
    expect(await callsDuring(() => write('v1'))).toEqual(['kv.namespaces.bulkGet', 'kv.namespaces.bulkUpdate']);
    expect(await callsDuring(() => write('v1'))).toEqual(['kv.namespaces.bulkGet']);
    const flip = () => activities.flipActive({ ...args, version: 'v1', allowedHosts: ['demo.pages.dev', '*.demo.pages.dev'], activatedBy: 'workflow:deploy-callapp' });
    expect(await callsDuring(flip)).toEqual(['kv.namespaces.bulkGet', 'kv.namespaces.bulkUpdate']);
    // The flip wrote the live record and the versions list together.
    const [active, versions] = await Promise.all([kvKeys.active('callapp'), kvKeys.versions('callapp')].map(async (key) => {
      const client = createCloudflareClient({ apiToken: cf.token, baseURL: cf.apiBaseUrl });
      return JSON.parse(await (await client.kv.namespaces.values.get(key, { account_id: cf.accountId, namespace_id: KV_ID })).text()) as unknown;
    }));
    expect(active).toMatchObject({ version: 'v1', previousVersion: null });
    expect(versions).toMatchObject([{ version: 'v1', state: 'live' }]);
    // The compensation reads once; removing the live record of a first deploy is a delete, and
    // one key left to write (the versions list) goes as a plain write.
    const undo = await callsDuring(() => activities.restoreActive({ ...args, failedVersion: 'v1', previousVersion: null, activatedBy: 'workflow:deploy-callapp', reason: 'checks failed' }));
    expect(undo).toEqual(['kv.namespaces.bulkGet', 'kv.namespaces.values.delete', 'kv.namespaces.values.update']);
  });

  it('asks about the token, the zone and the project once a minute per worker, not once per deploy', async () => {
    const fresh = createActivities({ cloudflare: createCloudflareClient({ apiToken: cf.token, baseURL: cf.apiBaseUrl }), edgeConnectTo: new URL(cf.edgeUrl).host });
    const first = await callsDuring(() => Promise.all([fresh.preflight(input()), fresh.preflight(input({ app: 'other1', metadata: { app: 'other1', version: 'v1', defaultTarget: 'https://demo.pages.dev', routes: {} } }))]));
    const facts = ['user.tokens.verify', 'user.tokens.get', 'zones.get', 'pages.projects.get'];
    // Two deploys at once share one answer.
    for (const op of facts) expect(first.filter((o) => o === op)).toHaveLength(1);
    const again = await callsDuring(() => fresh.preflight(input()));
    expect(again.filter((o) => facts.includes(o))).toEqual([]);
    // The deploy's own state is read every time.
    expect(again).toEqual(['kv.namespaces.values.get', 'dns.records.list', 'pages.projects.domains.get']);
    // A failure is not remembered: a token that could not verify is asked again next time.
    const bogus = createActivities({ cloudflare: createCloudflareClient({ apiToken: 'bogus-token-value-77777777', baseURL: cf.apiBaseUrl }) });
    for (let i = 0; i < 2; i++) {
      const calls = await callsDuring(() => bogus.preflight(input()).catch(() => undefined));
      expect(calls[0]).toBe('user.tokens.verify');
    }
    const uncached = createActivities({ cloudflare: createCloudflareClient({ apiToken: cf.token, baseURL: cf.apiBaseUrl }), factsTtlMs: 0 });
    await uncached.preflight(input());
    expect((await callsDuring(() => uncached.preflight(input()))).filter((o) => facts.includes(o))).toEqual(facts);
  });

  it('lists DNS records and Pages deployments without asking for the empty page past the end', async () => {
    const zone = cf.zone.id;
    await activities.upsertDnsRecord({ zoneId: zone, hostname: 'pages.nextdeploy.test', target: 'demo.pages.dev', proxied: true });
    const lists = await callsDuring(() => activities.upsertDnsRecord({ zoneId: zone, hostname: 'pages.nextdeploy.test', target: 'demo.pages.dev', proxied: true }));
    expect(lists).toEqual(['dns.records.list']);
    const marker = 'nextdeploy:callapp@paging';
    const trigger = () => activities.triggerDeployment({ accountId: cf.accountId, pagesProject: 'demo', source: input().source as PagesSource, marker });
    await trigger();
    // The retry finds its deployment on the first page, in one request.
    expect(await callsDuring(trigger)).toEqual(['pages.projects.deployments.list']);
  });
});

describe('the poll of a build this deploy just started', () => {
  it('wait the first interval before the first ask, and only on the first attempt', async () => {
    const slept: number[] = [];
    const polling = createActivities({
      cloudflare: createCloudflareClient({ apiToken: cf.token, baseURL: cf.apiBaseUrl, timeoutMs: 5_000 }),
      sleep: async (ms) => {
        slept.push(ms);
      },
    });
    const dep = await activities.triggerDeployment({ accountId: cf.accountId, pagesProject: 'demo', source: input().source as PagesSource, marker: 'nextdeploy pollapp@v1' });
    const args = { accountId: cf.accountId, pagesProject: 'demo', deploymentId: dep.id };
    const attempt = (n: number, firstPollAfterMs: number) =>
      callsDuring(() => new MockActivityEnvironment({ attempt: n }).run(polling.awaitDeployment, { ...args, firstPollAfterMs }).catch(() => undefined));

    expect(await attempt(1, 250)).toEqual(['pages.projects.deployments.get']);
    expect(slept).toEqual([250]);
    expect(await attempt(2, 250)).toEqual(['pages.projects.deployments.get']);
    expect(await attempt(1, 0)).toEqual(['pages.projects.deployments.get']);
    expect(slept).toEqual([250]);
  });
});

describe('the custom domain step in one activity (attach inside the poll)', () => {
  it('attaches on the first attempt without asking for a status, polls after, and attaches again what went missing', async () => {
    const domain = { accountId: cf.accountId, pagesProject: 'demo', hostname: 'attach-in-poll.example.com', attach: true };
    const run = (n: number) =>
      new MockActivityEnvironment({ attempt: n }).run(activities.awaitCustomDomain, domain).then(
        (r) => r,
        (e: ApplicationFailure) => e.type,
      );
    const first = await callsDuring(async () => expect(await run(1)).toBe(RETRYABLE.STILL_PENDING));
    expect(first).toEqual(['pages.projects.domains.create']);
    expect(await callsDuring(() => run(2))).toEqual(['pages.projects.domains.get']);

    await activities.detachCustomDomain(domain);
    expect(await callsDuring(async () => expect(await run(3)).toBe(RETRYABLE.STILL_PENDING))).toEqual(['pages.projects.domains.get', 'pages.projects.domains.create']);

    // A domain that was already there: "already added", then one read, which is also the poll.
    await new Promise((r) => setTimeout(r, 250)); // the emulator activates it 200 ms after the attach
    const again = await callsDuring(async () => expect(await run(1)).toMatchObject({ status: 'active' }));
    expect(again).toEqual(['pages.projects.domains.create', 'pages.projects.domains.get']);
  });
});
