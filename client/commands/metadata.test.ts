import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { metadataSchema, pagesHostsFor } from '../../core/metadata.ts';
import { buildExampleApp, type ExampleBuild } from '../../devstack/example-app.ts';
import { cleanEnv, runCliProcess, tempDir } from '../cli-test-helpers.ts';

let build: ExampleBuild;
beforeAll(async () => {
  // One real `next build` of the example, reused while its sources are unchanged.
  build = await buildExampleApp();
});

describe('npm run metadata', () => {
  it('turns the example app\'s real next build into metadata.json on embedded defaults', async () => {
    const cwd = tempDir();
    const out = path.join(cwd, 'metadata.json');
    const run = await runCliProcess(['metadata', '--json', '--version', 'v2026-11-25-120000', '--out', out], { cwd });
    expect(run.stderr).toMatch(/^Embedded defaults: no nextdeploy\.config\.json and no CLOUDFLARE_API_TOKEN/m);
    expect(run.code).toBe(0);
    const metadata = JSON.parse(run.stdout);
    expect(readFileSync(out, 'utf8')).toBe(run.stdout);
    expect(metadataSchema({ allowedHosts: pagesHostsFor('nextdeploy-example') }).parse(metadata)).toEqual(metadata);
    expect(metadata).toMatchObject({ app: 'app123', version: 'v2026-11-25-120000', defaultTarget: 'https://nextdeploy-example.pages.dev' });
    // App Router pages, the Pages Router page, the API route, and the dynamic route by its prefix.
    expect(Object.keys(metadata.routes).sort()).toEqual(['/', '/about', '/api/version', '/blog', '/blog/hello-world', '/blog/second-post', '/legacy']);
    expect(new Set(Object.values(metadata.routes))).toEqual(new Set(['https://nextdeploy-example.pages.dev']));
  });

  it('prints a human summary of the routes and the pages behind each', async () => {
    const cwd = tempDir();
    const run = await runCliProcess(['metadata', '--app', 'shop', '--version', 'v1', '--next-dir', build.nextDir, '--out', 'm.json'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Wrote m\.json: app shop, version v1, 7 routes → https:\/\/nextdeploy-example\.pages\.dev$/m);
    expect(run.stdout).toMatch(/^ {2}\/blog +\/blog\/\[slug\]$/m);
    expect(JSON.parse(readFileSync(path.join(cwd, 'm.json'), 'utf8')).app).toBe('shop');
  });

  it('uses the configured app\'s Pages project and build folder (no token needed to read a build)', async () => {
    const cwd = tempDir();
    writeFileSync(path.join(cwd, 'nextdeploy.config.json'), JSON.stringify({
      accountId: '0123456789abcdef0123456789abcdef',
      zoneId: 'fedcba9876543210fedcba9876543210',
      baseDomain: 'example.com',
      pagesProject: 'shop',
      kvNamespaceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      apps: { web: { nextDir: build.nextDir } },
    }));
    const run = await runCliProcess(['metadata', '--json', '--version', 'v2'], { cwd, env: cleanEnv({ NEXTDEPLOY_STATE_DIR: path.join(cwd, '.nextdeploy-state') }) });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const metadata = JSON.parse(run.stdout);
    expect(metadata).toMatchObject({ app: 'web', version: 'v2', defaultTarget: 'https://shop.pages.dev' });
    expect(readFileSync(path.join(cwd, '.nextdeploy-state', 'metadata.json'), 'utf8')).toBe(run.stdout);
  });

  it('refuses a folder that holds no Next.js build, naming the missing manifest', async () => {
    const cwd = tempDir();
    mkdirSync(path.join(cwd, 'empty'));
    const run = await runCliProcess(['metadata', '--next-dir', 'empty'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: .*empty\/routes-manifest\.json does not exist; run `next build` first/m);
  });

  it.each([
    [['--app', 'Bad_App'], /^error: app: app must be a lowercase DNS label/m],
    [['--version', '../v1'], /^error: version: version must be 1-64 chars/m],
    [['--project', 'Not A Project'], /^error: --project: "Not A Project" must be a Pages project name/m],
  ])('refuses bad flags %j before writing anything', async (flags, message) => {
    const cwd = tempDir();
    const run = await runCliProcess(['metadata', '--next-dir', build.nextDir, '--out', 'm.json', ...flags], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(() => readFileSync(path.join(cwd, 'm.json'))).toThrow();
  });
});
