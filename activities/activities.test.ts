// The activities against the local Cloudflare over real HTTP (no Temporal: each activity is a
// plain async function; Temporal-only helpers degrade to no-ops outside an activity).
import type { PagesSource } from '../core/deploy-input.ts';
import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { NOT_RETRYABLE, RETRYABLE } from '../core/failures.ts';
import { kvKeys } from '../core/kv-records.ts';
import { activities, cf, failureOf, input, KV_ID, site, useLocalCloudflare } from './fixture.ts';
import { createActivities, createCloudflareClient } from './index.ts';
import { MARKER_SCAN_LIMIT } from './pages.ts';
import type { TriggeredDeployment } from './types.ts';

useLocalCloudflare();

describe('preflight', () => {
  it('snapshots the live version, the DNS record and the domain', async () => {
    const pre = await activities.preflight(input());
    expect(pre).toEqual({ zoneName: 'nextdeploy.test', activeVersion: null, dnsRecord: null, domainExisted: false, webhook: false });
  });

  it('says whether its worker sends the deploy webhook (so the workflow can skip a no-op activity)', async () => {
    const withWebhook = createActivities({
      cloudflare: createCloudflareClient({ apiToken: cf.token, baseURL: cf.apiBaseUrl }),
      webhook: { url: 'http://127.0.0.1:9/hook', secret: 'webhook-secret-for-tests' },
    });
    expect(await withWebhook.preflight(input())).toMatchObject({ webhook: true });
  });

  it('names the missing permission, refuses another zone\'s hostname and an invalid token', async () => {
    const limited = 'limited-token-0123456789';
    cf.addToken({ value: limited, permissionGroups: ['Pages Write', 'Zone Read', 'Workers KV Storage Write', 'API Tokens Read'] });
    const limitedActs = createActivities({ cloudflare: createCloudflareClient({ apiToken: limited, baseURL: cf.apiBaseUrl }) });
    const denied = await failureOf(limitedActs.preflight(input()));
    expect(denied.type).toBe(NOT_RETRYABLE.PERMISSION_DENIED);
    expect(denied.message).toContain('DNS Write');
    expect(denied.message).toContain('Zone → DNS → Edit');

    const outside = await failureOf(activities.preflight(input({ hostname: 'app123.example.com' })));
    expect(outside.type).toBe(NOT_RETRYABLE.HOSTNAME_OUTSIDE_ZONE);

    const bogus = 'bogus-token-value-42424242';
    const invalid = await failureOf(createActivities({ cloudflare: createCloudflareClient({ apiToken: bogus, baseURL: cf.apiBaseUrl }) }).preflight(input()));
    expect(invalid.type).toBe(NOT_RETRYABLE.INVALID_TOKEN);
    expect(invalid.message).not.toContain(bogus);
  });
});

describe('the Pages deployment', () => {
  it('uploads only what is missing, creates one deployment per marker, and polls it to success', async () => {
    const args = { accountId: cf.accountId, pagesProject: 'demo', source: input().source as PagesSource, marker: 'nextdeploy app123@v1' };
    cf.clearMutations();
    const first = await activities.triggerDeployment(args);
    expect(first.reused).toBe(false);
    const again = await activities.triggerDeployment(args);
    expect(again).toMatchObject({ id: first.id, reused: true });
    const creates = cf.mutations().filter((m) => m.operation === 'pages.projects.deployments.create' && m.outcome === 'applied');
    expect(creates).toHaveLength(1);

    let outcome: { stage: string } | ApplicationFailure | undefined;
    for (let i = 0; i < 100; i += 1) {
      outcome = await activities.awaitDeployment({ accountId: cf.accountId, pagesProject: 'demo', deploymentId: first.id }).catch((e: ApplicationFailure) => e);
      if (!(outcome instanceof ApplicationFailure)) break;
      expect(outcome.type).toBe(RETRYABLE.STILL_PENDING);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(outcome).toMatchObject({ stage: 'deploy' });
    expect((await cf.edgeRequest(`${first.shortId}.demo.pages.dev`, '/')).body).toBe('<h1>v1</h1>');
  });

  it('fetches a fresh upload JWT when the first one expires mid-upload', async () => {
    const ttl = cf.core.timing.uploadTokenTtlMs;
    cf.core.timing.uploadTokenTtlMs = 3_000;
    try {
      cf.addFault({ operation: 'pages.assets.checkMissing', latencyMs: 3_500, count: 1 });
      const before = cf.core.observe.requests.at(-1)?.seq ?? 0;
      const dir = site({ 'index.html': '<h1>jwt</h1>' });
      const d = await activities.triggerDeployment({ accountId: cf.accountId, pagesProject: 'demo', source: { type: 'directory', path: dir, branch: 'preview' }, marker: 'nextdeploy app123@vjwt' });
      expect(d.reused).toBe(false);
      const requests = cf.core.observe.requests.filter((r) => r.seq > before);
      const ops = (op: string) => requests.filter((r) => r.operation === op).map((r) => r.status);
      expect(ops('pages.projects.getUploadToken')).toEqual([200, 200]);
      expect(ops('pages.assets.checkMissing')).toEqual([401, 200]);
    } finally {
      cf.core.timing.uploadTokenTtlMs = ttl;
    }
  });

  it('a retried trigger finds its deployment even after more than the scan floor of other deploys to the project', async () => {
    const marker = 'nextdeploy busy@v1';
    const args = { accountId: cf.accountId, pagesProject: 'demo', source: input().source as PagesSource, marker };
    const scheduledTimestampMs = Date.now();
    const attempt = (n: number) => new MockActivityEnvironment({ attempt: n, scheduledTimestampMs }).run(activities.triggerDeployment, args) as Promise<TriggeredDeployment>;
    const first = await attempt(1);
    // Other apps deploy to the same project while this attempt's worker is down.
    for (let i = 0; i < MARKER_SCAN_LIMIT + 10; i++) {
      await activities.triggerDeployment({ ...args, marker: `nextdeploy other${i}@v1` });
    }
    cf.clearMutations();
    const retried = await attempt(2);
    expect(retried).toMatchObject({ id: first.id, reused: true });
    expect(cf.mutations().filter((m) => m.operation === 'pages.projects.deployments.create')).toHaveLength(0);
  });

  it('triggers a git build once, however often the trigger is retried', async () => {
    const args = { accountId: cf.accountId, pagesProject: 'gitproj', source: { type: 'git' as const, branch: 'main' }, marker: 'nextdeploy app123@vgit' };
    cf.clearMutations();
    const first = await activities.triggerDeployment(args);
    expect(await activities.triggerDeployment(args)).toMatchObject({ id: first.id, reused: true });
    expect(cf.mutations().filter((m) => m.operation === 'pages.projects.deployments.create' && m.outcome === 'applied')).toHaveLength(1);
  });

  it('reports a failed build as BUILD_FAILED with its stage', async () => {
    cf.failBuilds({ project: 'demo', stage: 'deploy', message: 'boom', count: 1 });
    const d = await activities.triggerDeployment({ accountId: cf.accountId, pagesProject: 'demo', source: input().source as PagesSource, marker: 'nextdeploy app123@vfail' });
    let failure: ApplicationFailure | undefined;
    for (let i = 0; i < 100 && !failure; i += 1) {
      const err = await activities.awaitDeployment({ accountId: cf.accountId, pagesProject: 'demo', deploymentId: d.id }).then(() => undefined, (e: ApplicationFailure) => e);
      if (err && err.type !== RETRYABLE.STILL_PENDING) failure = err;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(failure?.type).toBe(NOT_RETRYABLE.BUILD_FAILED);
    expect(failure?.message).toContain('deploy');
  });
});

describe('DNS and custom domain', () => {
  const host = 'dns-test.nextdeploy.test';
  it('creates the CNAME and removes it again; edits an existing one and puts it back', async () => {
    const zoneId = cf.zone.id;
    const target = 'demo.pages.dev';
    expect(await activities.upsertDnsRecord({ zoneId, hostname: host, target, proxied: true })).toMatchObject({ action: 'created' });
    expect(await activities.upsertDnsRecord({ zoneId, hostname: host, target, proxied: true })).toMatchObject({ action: 'unchanged' });
    await activities.restoreDnsRecord({ zoneId, hostname: host, target, previous: null });
    await activities.restoreDnsRecord({ zoneId, hostname: host, target, previous: null });
    expect(cf.state().dnsRecords.filter((r) => r.record.name === host)).toHaveLength(0);

    const client = createCloudflareClient({ apiToken: cf.token, baseURL: cf.apiBaseUrl });
    await client.dns.records.create({ zone_id: zoneId, type: 'CNAME', name: host, content: 'old.pages.dev', proxied: false, ttl: 300 });
    const pre = await activities.preflight(input({ hostname: host }));
    expect(pre.dnsRecord).toMatchObject({ type: 'CNAME', content: 'old.pages.dev', proxied: false, ttl: 300 });
    expect(await activities.upsertDnsRecord({ zoneId, hostname: host, target, proxied: true })).toMatchObject({ action: 'updated' });
    await activities.restoreDnsRecord({ zoneId, hostname: host, target, previous: pre.dnsRecord });
    const [restored] = cf.state().dnsRecords.filter((r) => r.record.name === host).map((r) => r.record);
    expect(restored).toMatchObject({ content: 'old.pages.dev', proxied: false });
  });

  it('attaches the domain (again is fine), waits for it, and detaches it', async () => {
    const args = { accountId: cf.accountId, pagesProject: 'demo', hostname: 'shop.nextdeploy.test' };
    expect(await activities.attachCustomDomain(args)).toEqual({ attachedByUs: true });
    expect(await activities.attachCustomDomain(args)).toEqual({ attachedByUs: false });
    let active: unknown;
    for (let i = 0; i < 100 && !active; i += 1) {
      active = await activities.awaitCustomDomain(args).catch((e: ApplicationFailure) => {
        expect(e.type).toBe(RETRYABLE.STILL_PENDING);
        return new Promise((r) => setTimeout(() => r(undefined), 20));
      });
    }
    expect(active).toMatchObject({ status: 'active' });
    await activities.detachCustomDomain(args);
    await activities.detachCustomDomain(args);
    expect(cf.state().domains.filter((d: { name: string }) => d.name === args.hostname)).toHaveLength(0);
  });

  it('ends a domain in error with DOMAIN_FAILED', async () => {
    const args = { accountId: cf.accountId, pagesProject: 'demo', hostname: 'broken.nextdeploy.test' };
    cf.domainScenario({ domain: args.hostname, mode: 'error' });
    await activities.attachCustomDomain(args);
    let failure: ApplicationFailure | undefined;
    for (let i = 0; i < 100 && !failure; i += 1) {
      const e = await activities.awaitCustomDomain(args).then(() => undefined, (err: ApplicationFailure) => err);
      if (e && e.type !== RETRYABLE.STILL_PENDING) failure = e;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(failure?.type).toBe(NOT_RETRYABLE.DOMAIN_FAILED);
  });
});

describe('version keys and the flip', () => {
  const kv = () => ({ accountId: cf.accountId, kvNamespaceId: KV_ID, app: 'kvapp' });
  const meta = (version: string, blog = 'https://demo.pages.dev/blog') => ({ app: 'kvapp', version, defaultTarget: 'https://demo.pages.dev', routes: { '/blog': blog } });
  const kvValue = async (key: string) => {
    const client = createCloudflareClient({ apiToken: cf.token, baseURL: cf.apiBaseUrl });
    return (await client.kv.namespaces.values.get(key, { account_id: cf.accountId, namespace_id: KV_ID })).text();
  };

  it('writes pinned, immutable keys; flips; restores; refuses a failed version as rollback target', async () => {
    const write = (version: string, shortId: string, blog?: string) =>
      activities.writeVersionKeys({ ...kv(), version, pagesProject: 'demo', metadata: meta(version, blog), deployment: { id: `d-${version}`, shortId, url: `https://${shortId}.demo.pages.dev` }, retention: 5 });
    expect(await write('v1', 'aaaa1111')).toEqual({ written: true });
    expect(await write('v1', 'aaaa1111')).toEqual({ written: false });
    const conflict = await failureOf(write('v1', 'aaaa1111', 'https://demo.pages.dev/other'));
    expect(conflict.type).toBe(NOT_RETRYABLE.VERSION_CONFLICT);
    expect(JSON.parse(await kvValue(kvKeys.routes('kvapp', 'v1')))).toMatchObject({ defaultTarget: 'https://aaaa1111.demo.pages.dev', routes: { '/blog': 'https://aaaa1111.demo.pages.dev/blog' } });

    const hosts = ['demo.pages.dev', '*.demo.pages.dev'];
    expect(await activities.flipActive({ ...kv(), version: 'v1', allowedHosts: hosts, activatedBy: 'workflow:deploy-kvapp' })).toEqual({ previousVersion: null });
    await write('v2', 'bbbb2222');
    expect(await activities.flipActive({ ...kv(), version: 'v2', allowedHosts: hosts, activatedBy: 'workflow:deploy-kvapp' })).toEqual({ previousVersion: 'v1' });
    // A retried flip after its write landed keeps the real previous version.
    expect(await activities.flipActive({ ...kv(), version: 'v2', allowedHosts: hosts, activatedBy: 'workflow:deploy-kvapp' })).toEqual({ previousVersion: 'v1' });
    expect(JSON.parse(await kvValue(kvKeys.active('kvapp')))).toMatchObject({ version: 'v2', previousVersion: 'v1', defaultTarget: 'https://bbbb2222.demo.pages.dev' });

    await activities.restoreActive({ ...kv(), failedVersion: 'v2', previousVersion: 'v1', activatedBy: 'workflow:deploy-kvapp', reason: 'checks failed' });
    expect(JSON.parse(await kvValue(kvKeys.active('kvapp')))).toMatchObject({ version: 'v1' });
    const versions = JSON.parse(await kvValue(kvKeys.versions('kvapp'))) as { version: string; state: string }[];
    expect(versions.map((v) => [v.version, v.state])).toEqual([['v1', 'live'], ['v2', 'failed']]);
    const refused = await failureOf(activities.resolveRollbackTarget({ ...kv(), toVersion: 'v2' }));
    expect(refused.type).toBe(NOT_RETRYABLE.ROLLBACK_TARGET_INVALID);
    for (const key of ['__proto__', 'constructor']) {
      expect((await failureOf(activities.resolveRollbackTarget({ ...kv(), toVersion: key }))).type).toBe(NOT_RETRYABLE.ROLLBACK_TARGET_INVALID);
    }
  });
});

describe('the announcement before a first deploy\'s domain', () => {
  const args = () => ({ accountId: cf.accountId, kvNamespaceId: KV_ID, app: 'firstapp', version: 'v1', deployment: { id: 'd-first', shortId: 'ffff0001', url: 'https://ffff0001.demo.pages.dev' }, retention: 5 });

  it('puts the version in the list as pending with its deployment URL, once; step 5 then writes only the version\'s own keys', async () => {
    expect(await activities.announcePendingVersion(args())).toEqual({ announced: true });
    expect(await activities.announcePendingVersion(args())).toEqual({ announced: false });
    const client = createCloudflareClient({ apiToken: cf.token, baseURL: cf.apiBaseUrl });
    const versionsRaw = async () => (await client.kv.namespaces.values.get(kvKeys.versions('firstapp'), { account_id: cf.accountId, namespace_id: KV_ID })).text();
    const announced = await versionsRaw();
    const list = JSON.parse(announced) as Record<string, unknown>[];
    expect(list).toEqual([expect.objectContaining({ version: 'v1', state: 'pending', deploymentId: 'd-first', deploymentUrl: 'https://ffff0001.demo.pages.dev' })]);

    cf.clearMutations();
    const meta = { app: 'firstapp', version: 'v1', defaultTarget: 'https://demo.pages.dev', routes: {} };
    expect(await activities.writeVersionKeys({ ...args(), pagesProject: 'demo', metadata: meta })).toEqual({ written: true });
    const writes = cf.mutations().filter((m) => m.outcome === 'applied');
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ operation: 'kv.namespaces.bulkUpdate' });
    expect(await versionsRaw()).toBe(announced);
  });
});

describe('error classification', () => {
  it('retries a 429 after Retry-After, a 500 and a reset; never shows the token', async () => {
    const args = { zoneId: cf.zone.id, hostname: 'faults.nextdeploy.test', target: 'demo.pages.dev', proxied: true };
    cf.addFault({ operation: 'dns.records.list', status: 429, code: 971, retryAfter: 7, count: 1 });
    const limited = await failureOf(activities.upsertDnsRecord(args));
    expect(limited).toMatchObject({ type: RETRYABLE.RATE_LIMITED, nonRetryable: false, nextRetryDelay: 7000 });
    expect(limited.message).toContain('971');
    cf.addFault({ operation: 'dns.records.list', status: 500, count: 1 });
    expect(await failureOf(activities.upsertDnsRecord(args))).toMatchObject({ type: RETRYABLE.SERVER_ERROR, nonRetryable: false });
    cf.addFault({ operation: 'dns.records.list', reset: true, count: 1 });
    expect(await failureOf(activities.upsertDnsRecord(args))).toMatchObject({ type: RETRYABLE.NETWORK, nonRetryable: false });
    cf.addFault({ operation: 'dns.records.list', status: 403, code: 10000, message: 'Authentication error', count: 1 });
    const denied = await failureOf(activities.upsertDnsRecord(args));
    expect(denied).toMatchObject({ type: NOT_RETRYABLE.PERMISSION_DENIED, nonRetryable: true });
    for (const f of [limited, denied]) expect(JSON.stringify({ m: f.message, s: f.stack })).not.toContain(cf.token);
  });
});

describe('checks', () => {
  it('reaches a hostname through the edge with the Host header, and reports failures per path', async () => {
    const ok = await activities.runChecks({ hostname: 'demo.pages.dev', paths: ['/', '/blog/'], expectVersion: null, requestTimeoutMs: 2000, windowMs: 0, intervalMs: 10 });
    expect(ok).toMatchObject({ ok: true, rounds: 1 });
    const bad = await activities.runChecks({ hostname: 'demo.pages.dev', paths: ['/nope'], expectStatus: [204], expectVersion: null, requestTimeoutMs: 2000, windowMs: 100, intervalMs: 30 });
    expect(bad.ok).toBe(false);
    expect(bad.rounds).toBeGreaterThan(1);
    expect(bad.summary).toContain('/nope status 200');
    const header = await activities.runChecks({ hostname: 'demo.pages.dev', paths: ['/'], expectVersion: 'v9', requestTimeoutMs: 2000, windowMs: 0, intervalMs: 10 });
    expect(header.results[0]?.error).toContain('instead of v9');
  });
});
