// What the activity tests share: a local Cloudflare per test file, the activities bound to it over
// real HTTP, a small site to upload and a valid deploy input. The `let` exports are live bindings:
// a test file calls useLocalCloudflare() at its top and reads `cf`, `activities` and `siteDir` in tests.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { startLocalCloudflare, type LocalCloudflare } from '../cf-local/index.ts';
import { parseDeployInput, type DeployInput } from '../core/deploy-input.ts';
import { createActivities, createCloudflareClient, type NextdeployActivities } from './index.ts';

/** The seeded routes namespace. */
export const KV_ID = 'abcdefabcdefabcdefabcdefabcdef01';
export let cf: LocalCloudflare;
export let activities: NextdeployActivities;
export let siteDir: string;

export function site(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'nextdeploy-site-'));
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), body);
  }
  return dir;
}

/** A valid deploy input of app123 v1 on the seeded project, with `overrides`. */
export function input(overrides: Record<string, unknown> = {}): DeployInput {
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

export async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

/** Starts the local Cloudflare for the calling test file and clears its faults before each test. */
export function useLocalCloudflare(): void {
  beforeAll(async () => {
    cf = await startLocalCloudflare({
      seed: { projects: [{ name: 'demo', production_branch: 'main' }, { name: 'gitproj', production_branch: 'main', git: true }], kvNamespaces: [{ title: 'routes', id: KV_ID }] },
      timing: { directUploadStepMs: 20, buildStepMs: 20, domainActivationMs: 200 },
    });
    activities = createActivities({ cloudflare: createCloudflareClient({ apiToken: cf.token, baseURL: cf.apiBaseUrl, timeoutMs: 5_000 }), edgeConnectTo: new URL(cf.edgeUrl).host });
    siteDir = site({ 'index.html': '<h1>v1</h1>', 'blog/index.html': '<h1>blog v1</h1>', 'assets/app.css': 'body{}' });
  });
  afterAll(async () => {
    await cf?.stop();
  });
  beforeEach(() => {
    cf.faults.clear();
  });
}

/** The API operations the local Cloudflare answered while `fn` ran, in order. */
export async function callsDuring(fn: () => Promise<unknown>): Promise<string[]> {
  const from = cf.core.observe.requests.length;
  await fn();
  return cf.core.observe.requests.slice(from).map((r) => r.operation ?? `${r.method} ${r.path}`);
}
