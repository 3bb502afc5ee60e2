// The activities against the local Cloudflare over real HTTP (no Temporal: each activity is a
// plain async function; Temporal-only helpers degrade to no-ops outside an activity).
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { startLocalCloudflare, type LocalCloudflare } from '../cf-local/index.ts';
import { parseDeployInput, type DeployInput } from '../core/deploy-input.ts';
import { NOT_RETRYABLE, RETRYABLE } from '../core/failures.ts';
import { kvKeys } from '../core/kv-records.ts';
import { createActivities, createCloudflareClient, type NextdeployActivities } from './index.ts';

const KV_ID = 'abcdefabcdefabcdefabcdefabcdef01';
let cf: LocalCloudflare;
let acts: NextdeployActivities;
let siteDir: string;

function site(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'nextdeploy-site-'));
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), body);
  }
  return dir;
}

function input(overrides: Record<string, unknown> = {}): DeployInput {
  return parseDeployInput({
    app: 'app123',
    version: 'v1',
    accountId: cf.accountId,
    zoneId: cf.zone.id,
    kvNamespaceId: KV_ID,
    pagesProject: 'demo',
    source: { type: 'directory', path: siteDir },
    metadata: { app: 'app123', version: 'v1', defaultTarget: 'https://demo.pages.dev', routes: { '/blog': 'https://demo.pages.dev/blog' } },
    hostname: 'app123.nextdeploy.test',
    ...overrides,
  });
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

beforeAll(async () => {
  cf = await startLocalCloudflare({
    seed: { projects: [{ name: 'demo', production_branch: 'main' }, { name: 'gitproj', production_branch: 'main', git: true }], kvNamespaces: [{ title: 'routes', id: KV_ID }] },
    timing: { directUploadStepMs: 20, buildStepMs: 20, domainActivationMs: 200 },
  });
  acts = createActivities({ cloudflare: createCloudflareClient({ apiToken: cf.token, baseURL: cf.apiBaseUrl, timeoutMs: 5_000 }), edgeConnectTo: new URL(cf.edgeUrl).host });
  siteDir = site({ 'index.html': '<h1>v1</h1>', 'blog/index.html': '<h1>blog v1</h1>', 'assets/app.css': 'body{}' });
});
afterAll(async () => {
  await cf?.stop();
});
beforeEach(() => {
  cf.faults.clear();
});

describe('preflight', () => {
  it('snapshots the live version, the DNS record and the domain', async () => {
    const pre = await acts.preflight(input());
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

    const outside = await failureOf(acts.preflight(input({ hostname: 'app123.example.com' })));
    expect(outside.type).toBe(NOT_RETRYABLE.HOSTNAME_OUTSIDE_ZONE);

    const bogus = 'bogus-token-value-42424242';
    const invalid = await failureOf(createActivities({ cloudflare: createCloudflareClient({ apiToken: bogus, baseURL: cf.apiBaseUrl }) }).preflight(input()));
    expect(invalid.type).toBe(NOT_RETRYABLE.INVALID_TOKEN);
    expect(invalid.message).not.toContain(bogus);
  });
});

describe('the Pages deployment', () => {
  it('uploads only what is missing, creates one deployment per marker, and polls it to success', async () => {
    const args = { accountId: cf.accountId, pagesProject: 'demo', source: input().source, marker: 'nextdeploy app123@v1' };
    cf.clearMutations();
    const first = await acts.triggerDeployment(args);
    expect(first.reused).toBe(false);
    const again = await acts.triggerDeployment(args);
    expect(again).toMatchObject({ id: first.id, reused: true });
    const creates = cf.mutations().filter((m) => m.operation === 'pages.projects.deployments.create' && m.outcome === 'applied');
    expect(creates).toHaveLength(1);

    let outcome: { stage: string } | ApplicationFailure | undefined;
    for (let i = 0; i < 100; i += 1) {
      outcome = await acts.awaitDeployment({ accountId: cf.accountId, pagesProject: 'demo', deploymentId: first.id }).catch((e: ApplicationFailure) => e);
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
      const d = await acts.triggerDeployment({ accountId: cf.accountId, pagesProject: 'demo', source: { type: 'directory', path: dir, branch: 'preview' }, marker: 'nextdeploy app123@vjwt' });
      expect(d.reused).toBe(false);
      const requests = cf.core.observe.requests.filter((r) => r.seq > before);
      const ops = (op: string) => requests.filter((r) => r.operation === op).map((r) => r.status);
      expect(ops('pages.projects.getUploadToken')).toEqual([200, 200]);
      expect(ops('pages.assets.checkMissing')).toEqual([401, 200]);
    } finally {
      cf.core.timing.uploadTokenTtlMs = ttl;
    }
  });

  it('triggers a git build once, however often the trigger is retried', async () => {
    const args = { accountId: cf.accountId, pagesProject: 'gitproj', source: { type: 'git' as const, branch: 'main' }, marker: 'nextdeploy app123@vgit' };
    cf.clearMutations();
    const first = await acts.triggerDeployment(args);
    expect(await acts.triggerDeployment(args)).toMatchObject({ id: first.id, reused: true });
    expect(cf.mutations().filter((m) => m.operation === 'pages.projects.deployments.create' && m.outcome === 'applied')).toHaveLength(1);
  });

  it('reports a failed build as BUILD_FAILED with its stage', async () => {
    cf.failBuilds({ project: 'demo', stage: 'deploy', message: 'boom', count: 1 });
    const d = await acts.triggerDeployment({ accountId: cf.accountId, pagesProject: 'demo', source: input().source, marker: 'nextdeploy app123@vfail' });
    let failure: ApplicationFailure | undefined;
    for (let i = 0; i < 100 && !failure; i += 1) {
      const err = await acts.awaitDeployment({ accountId: cf.accountId, pagesProject: 'demo', deploymentId: d.id }).then(() => undefined, (e: ApplicationFailure) => e);
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
    expect(await acts.upsertDnsRecord({ zoneId, hostname: host, target, proxied: true })).toMatchObject({ action: 'created' });
    expect(await acts.upsertDnsRecord({ zoneId, hostname: host, target, proxied: true })).toMatchObject({ action: 'unchanged' });
    await acts.restoreDnsRecord({ zoneId, hostname: host, target, previous: null });
    await acts.restoreDnsRecord({ zoneId, hostname: host, target, previous: null });
    expect(cf.state().dnsRecords.filter((r) => r.record.name === host)).toHaveLength(0);

    const client = createCloudflareClient({ apiToken: cf.token, baseURL: cf.apiBaseUrl });
    await client.dns.records.create({ zone_id: zoneId, type: 'CNAME', name: host, content: 'old.pages.dev', proxied: false, ttl: 300 });
    const pre = await acts.preflight(input({ hostname: host }));
    expect(pre.dnsRecord).toMatchObject({ type: 'CNAME', content: 'old.pages.dev', proxied: false, ttl: 300 });
    expect(await acts.upsertDnsRecord({ zoneId, hostname: host, target, proxied: true })).toMatchObject({ action: 'updated' });
    await acts.restoreDnsRecord({ zoneId, hostname: host, target, previous: pre.dnsRecord });
    const [restored] = cf.state().dnsRecords.filter((r) => r.record.name === host).map((r) => r.record);
    expect(restored).toMatchObject({ content: 'old.pages.dev', proxied: false });
  });

  it('attaches the domain (again is fine), waits for it, and detaches it', async () => {
    const args = { accountId: cf.accountId, pagesProject: 'demo', hostname: 'shop.nextdeploy.test' };
    expect(await acts.attachCustomDomain(args)).toEqual({ attachedByUs: true });
    expect(await acts.attachCustomDomain(args)).toEqual({ attachedByUs: false });
    let active: unknown;
    for (let i = 0; i < 100 && !active; i += 1) {
      active = await acts.awaitCustomDomain(args).catch((e: ApplicationFailure) => {
        expect(e.type).toBe(RETRYABLE.STILL_PENDING);
        return new Promise((r) => setTimeout(() => r(undefined), 20));
      });
    }
    expect(active).toMatchObject({ status: 'active' });
    await acts.detachCustomDomain(args);
    await acts.detachCustomDomain(args);
    expect(cf.state().domains.filter((d: { name: string }) => d.name === args.hostname)).toHaveLength(0);
  });

  it('ends a domain in error with DOMAIN_FAILED', async () => {
    const args = { accountId: cf.accountId, pagesProject: 'demo', hostname: 'broken.nextdeploy.test' };
    cf.domainScenario({ domain: args.hostname, mode: 'error' });
    await acts.attachCustomDomain(args);
    let failure: ApplicationFailure | undefined;
    for (let i = 0; i < 100 && !failure; i += 1) {
      const e = await acts.awaitCustomDomain(args).then(() => undefined, (err: ApplicationFailure) => err);
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
      acts.writeVersionKeys({ ...kv(), version, pagesProject: 'demo', metadata: meta(version, blog), deployment: { id: `d-${version}`, shortId, url: `https://${shortId}.demo.pages.dev` }, retention: 5 });
    expect(await write('v1', 'aaaa1111')).toEqual({ written: true });
    expect(await write('v1', 'aaaa1111')).toEqual({ written: false });
    const conflict = await failureOf(write('v1', 'aaaa1111', 'https://demo.pages.dev/other'));
    expect(conflict.type).toBe(NOT_RETRYABLE.VERSION_CONFLICT);
    expect(JSON.parse(await kvValue(kvKeys.routes('kvapp', 'v1')))).toMatchObject({ defaultTarget: 'https://aaaa1111.demo.pages.dev', routes: { '/blog': 'https://aaaa1111.demo.pages.dev/blog' } });

    const hosts = ['demo.pages.dev', '*.demo.pages.dev'];
    expect(await acts.flipActive({ ...kv(), version: 'v1', allowedHosts: hosts, activatedBy: 'workflow:deploy-kvapp' })).toEqual({ previousVersion: null });
    await write('v2', 'bbbb2222');
    expect(await acts.flipActive({ ...kv(), version: 'v2', allowedHosts: hosts, activatedBy: 'workflow:deploy-kvapp' })).toEqual({ previousVersion: 'v1' });
    // A retried flip after its write landed keeps the real previous version.
    expect(await acts.flipActive({ ...kv(), version: 'v2', allowedHosts: hosts, activatedBy: 'workflow:deploy-kvapp' })).toEqual({ previousVersion: 'v1' });
    expect(JSON.parse(await kvValue(kvKeys.active('kvapp')))).toMatchObject({ version: 'v2', previousVersion: 'v1', defaultTarget: 'https://bbbb2222.demo.pages.dev' });

    await acts.restoreActive({ ...kv(), failedVersion: 'v2', previousVersion: 'v1', activatedBy: 'workflow:deploy-kvapp', reason: 'checks failed' });
    expect(JSON.parse(await kvValue(kvKeys.active('kvapp')))).toMatchObject({ version: 'v1' });
    const versions = JSON.parse(await kvValue(kvKeys.versions('kvapp'))) as { version: string; state: string }[];
    expect(versions.map((v) => [v.version, v.state])).toEqual([['v1', 'live'], ['v2', 'failed']]);
    const refused = await failureOf(acts.resolveRollbackTarget({ ...kv(), toVersion: 'v2' }));
    expect(refused.type).toBe(NOT_RETRYABLE.ROLLBACK_TARGET_INVALID);
    for (const key of ['__proto__', 'constructor']) {
      expect((await failureOf(acts.resolveRollbackTarget({ ...kv(), toVersion: key }))).type).toBe(NOT_RETRYABLE.ROLLBACK_TARGET_INVALID);
    }
  });
});

describe('API calls per step (each counts against 1,200 per 5 minutes)', () => {
  const callsDuring = async (fn: () => Promise<unknown>) => {
    const from = cf.core.observe.requests.length;
    await fn();
    return cf.core.observe.requests.slice(from).map((r) => r.operation ?? `${r.method} ${r.path}`);
  };

  it('reads an app\'s keys in one bulk get and writes them in one bulk write, for the version keys and for the flip', async () => {
    const args = { accountId: cf.accountId, kvNamespaceId: KV_ID, app: 'callapp' };
    const meta = (version: string) => ({ app: 'callapp', version, defaultTarget: 'https://demo.pages.dev', routes: { '/blog': 'https://demo.pages.dev/blog' } });
    const write = (version: string) =>
      acts.writeVersionKeys({ ...args, version, pagesProject: 'demo', metadata: meta(version), deployment: { id: `d-${version}`, shortId: 'cccc3333', url: 'https://cccc3333.demo.pages.dev' }, retention: 5 });
    expect(await callsDuring(() => write('v1'))).toEqual(['kv.namespaces.bulkGet', 'kv.namespaces.bulkUpdate']);
    expect(await callsDuring(() => write('v1'))).toEqual(['kv.namespaces.bulkGet']);
    const flip = () => acts.flipActive({ ...args, version: 'v1', allowedHosts: ['demo.pages.dev', '*.demo.pages.dev'], activatedBy: 'workflow:deploy-callapp' });
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
    const undo = await callsDuring(() => acts.restoreActive({ ...args, failedVersion: 'v1', previousVersion: null, activatedBy: 'workflow:deploy-callapp', reason: 'checks failed' }));
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
    await acts.upsertDnsRecord({ zoneId: zone, hostname: 'pages.nextdeploy.test', target: 'demo.pages.dev', proxied: true });
    const lists = await callsDuring(() => acts.upsertDnsRecord({ zoneId: zone, hostname: 'pages.nextdeploy.test', target: 'demo.pages.dev', proxied: true }));
    expect(lists).toEqual(['dns.records.list']);
    const marker = 'nextdeploy:callapp@paging';
    const trigger = () => acts.triggerDeployment({ accountId: cf.accountId, pagesProject: 'demo', source: input().source, marker });
    await trigger();
    // The retry finds its deployment on the first page, in one request.
    expect(await callsDuring(trigger)).toEqual(['pages.projects.deployments.list']);
  });
});

describe('error classification', () => {
  it('retries a 429 after Retry-After, a 500 and a reset; never shows the token', async () => {
    const args = { zoneId: cf.zone.id, hostname: 'faults.nextdeploy.test', target: 'demo.pages.dev', proxied: true };
    cf.addFault({ operation: 'dns.records.list', status: 429, code: 971, retryAfter: 7, count: 1 });
    const limited = await failureOf(acts.upsertDnsRecord(args));
    expect(limited).toMatchObject({ type: RETRYABLE.RATE_LIMITED, nonRetryable: false, nextRetryDelay: 7000 });
    expect(limited.message).toContain('971');
    cf.addFault({ operation: 'dns.records.list', status: 500, count: 1 });
    expect(await failureOf(acts.upsertDnsRecord(args))).toMatchObject({ type: RETRYABLE.SERVER_ERROR, nonRetryable: false });
    cf.addFault({ operation: 'dns.records.list', reset: true, count: 1 });
    expect(await failureOf(acts.upsertDnsRecord(args))).toMatchObject({ type: RETRYABLE.NETWORK, nonRetryable: false });
    cf.addFault({ operation: 'dns.records.list', status: 403, code: 10000, message: 'Authentication error', count: 1 });
    const denied = await failureOf(acts.upsertDnsRecord(args));
    expect(denied).toMatchObject({ type: NOT_RETRYABLE.PERMISSION_DENIED, nonRetryable: true });
    for (const f of [limited, denied]) expect(JSON.stringify({ m: f.message, s: f.stack })).not.toContain(cf.token);
  });
});

describe('checks', () => {
  it('reaches a hostname through the edge with the Host header, and reports failures per path', async () => {
    const ok = await acts.runChecks({ hostname: 'demo.pages.dev', paths: ['/', '/blog/'], expectVersion: null, requestTimeoutMs: 2000, windowMs: 0, intervalMs: 10 });
    expect(ok).toMatchObject({ ok: true, rounds: 1 });
    const bad = await acts.runChecks({ hostname: 'demo.pages.dev', paths: ['/nope'], expectStatus: [204], expectVersion: null, requestTimeoutMs: 2000, windowMs: 100, intervalMs: 30 });
    expect(bad.ok).toBe(false);
    expect(bad.rounds).toBeGreaterThan(1);
    expect(bad.summary).toContain('/nope status 200');
    const header = await acts.runChecks({ hostname: 'demo.pages.dev', paths: ['/'], expectVersion: 'v9', requestTimeoutMs: 2000, windowMs: 0, intervalMs: 10 });
    expect(header.results[0]?.error).toContain('instead of v9');
  });
});
