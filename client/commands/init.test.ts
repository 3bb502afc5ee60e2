import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloudflare, type LocalCloudflare } from '../../cf-local/index.ts';
import { parseConfig } from '../../core/config.ts';
import { cleanEnv, runCliProcess, tempDir } from '../cli-test-helpers.ts';

let cf: LocalCloudflare;
beforeAll(async () => {
  cf = await startLocalCloudflare();
});
afterAll(async () => {
  await cf?.stop();
});

function envFor(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return cleanEnv({
    CLOUDFLARE_API_TOKEN: cf.token,
    CLOUDFLARE_API_BASE_URL: cf.apiBaseUrl,
    CLOUDFLARE_ACCOUNT_ID: cf.accountId,
    NEXTDEPLOY_STATE_DIR: path.join(dir, '.nextdeploy'),
    ...extra,
  });
}

/** Every file in the folder with the hash of its content (the state folder included). */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, file)] = createHash('sha256').update(readFileSync(file)).digest('hex');
  }
  return files;
}

describe('npm run init', () => {
  it('creates the KV namespace, the config template, the router config and the ignore rules; a second run changes nothing', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n');
    const env = envFor(dir, { CLOUDFLARE_ZONE_ID: cf.zone.id, NEXTDEPLOY_BASE_DOMAIN: cf.zone.name, NEXTDEPLOY_PAGES_PROJECT: 'shop' });
    cf.clearMutations();
    const first = await runCliProcess(['init', '--deploy-router'], { cwd: dir, env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^KV namespace: [0-9a-f]{32} \(created\)$/m);
    expect(first.stdout).toMatch(/^nextdeploy\.config\.json: created/m);
    expect(first.stdout).toMatch(/^nextdeploy\.router\.jsonc: created/m);
    expect(first.stdout).toMatch(/^\.gitignore: updated/m);
    expect(first.stdout).toMatch(/^Router: script uploaded, route \*\.apps\.nextdeploy\.test\/\* created$/m);
    const mutationsAfterFirst = cf.mutations().length;
    expect(mutationsAfterFirst).toBeGreaterThanOrEqual(3);

    // The config holds no secret, validates (env supplies nothing it lacks), and names the namespace.
    const configText = readFileSync(path.join(dir, 'nextdeploy.config.json'), 'utf8');
    expect(configText).not.toContain(cf.token);
    const config = parseConfig(JSON.parse(configText));
    const namespaces = cf.state().kvNamespaces.filter((n) => n.title === 'nextdeploy-routes');
    expect(namespaces).toHaveLength(1);
    expect(config.kvNamespaceId).toBe(namespaces[0]!.id);
    expect(readFileSync(path.join(dir, 'nextdeploy.router.jsonc'), 'utf8')).toContain(`"id": "${namespaces[0]!.id}"`);
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8').split('\n')).toEqual(
      expect.arrayContaining(['node_modules/', '.nextdeploy/', 'nextdeploy.config.json', 'nextdeploy.secrets.*', '.env']),
    );

    const before = snapshot(dir);
    const second = await runCliProcess(['init', '--deploy-router', '--json'], { cwd: dir, env });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({
      kvNamespace: { id: namespaces[0]!.id, created: false },
      config: 'unchanged',
      routerConfig: 'unchanged',
      gitignore: 'unchanged',
      router: { script: 'unchanged', route: 'exists' },
    });
    expect(snapshot(dir)).toEqual(before);
    expect(cf.mutations().length).toBe(mutationsAfterFirst);
  });

  it('writes a template whose placeholders the config check names, when only the account is known', async () => {
    const dir = tempDir();
    const run = await runCliProcess(['init'], { cwd: dir, env: envFor(dir) });
    expect(run.code).toBe(0);
    const status = await runCliProcess(['status'], { cwd: dir, env: envFor(dir) });
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(/^error: zoneId: must be the 32-hex-character zone id/m);
    expect(status.stderr).toMatch(/^error: baseDomain: must be a hostname/m);
  });

  it('refuses without an account id, naming the variable', async () => {
    const dir = tempDir();
    const env = envFor(dir);
    delete env.CLOUDFLARE_ACCOUNT_ID;
    const run = await runCliProcess(['init'], { cwd: dir, env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: accountId: missing \(set it in nextdeploy\.config\.json or with CLOUDFLARE_ACCOUNT_ID\)$/m);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('on a fresh clone (no config, no token) explains that the embedded stack needs no init', async () => {
    const dir = tempDir();
    const run = await runCliProcess(['init'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^Embedded defaults:/m);
    expect(run.stdout).toMatch(/CLOUDFLARE_API_TOKEN=\.\.\. CLOUDFLARE_ACCOUNT_ID=\.\.\. npm run init/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
