import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloudflare, type LocalCloudflare } from '../../cf-local/index.ts';
import { cleanEnv, runCliProcess, tempDir } from '../cli-test-helpers.ts';
import { permissionTable } from '../token-check.ts';

const ALL_NEEDED = permissionTable([], { source: 'direct-upload', dns: true, customDomain: true, routerDeploy: true }).map((r) => r.group);
const FULL = 'cfl_full_token_for_validate_test_0001';
const LACKS_TWO = 'cfl_token_lacking_dns_and_kv_0002';
const NO_SELF_READ = 'cfl_token_that_cannot_read_itself_03';

let cf: LocalCloudflare;
beforeAll(async () => {
  cf = await startLocalCloudflare({
    tokens: [
      { value: FULL, name: 'full', permissionGroups: [...ALL_NEEDED, 'API Tokens Read'] },
      { value: LACKS_TWO, name: 'lacks-two', permissionGroups: [...ALL_NEEDED.filter((g) => g !== 'DNS Write' && g !== 'Workers KV Storage Write'), 'API Tokens Read'] },
      { value: NO_SELF_READ, name: 'no-self-read', permissionGroups: ALL_NEEDED },
    ],
  });
});
afterAll(async () => {
  await cf?.stop();
});

function envFor(token: string): NodeJS.ProcessEnv {
  return cleanEnv({
    CLOUDFLARE_API_TOKEN: token,
    CLOUDFLARE_API_BASE_URL: cf.apiBaseUrl,
    CLOUDFLARE_ACCOUNT_ID: cf.accountId,
    CLOUDFLARE_ZONE_ID: cf.zone.id,
    NEXTDEPLOY_BASE_DOMAIN: cf.zone.name,
    NEXTDEPLOY_PAGES_PROJECT: 'shop',
    NEXTDEPLOY_KV_NAMESPACE_ID: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  });
}

describe('npm run validate-token', () => {
  it('prints a table of every permission with what needs it, and exits 0 when the token has them all', async () => {
    const run = await runCliProcess(['validate-token'], { cwd: tempDir(), env: envFor(FULL) });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^permission \(API name\) +dashboard +needed by +token$/m);
    for (const group of ['Pages Write', 'DNS Write', 'Workers KV Storage Write', 'Workers Scripts Write', 'Zone Read']) {
      expect(run.stdout).toMatch(new RegExp(`^${group} .* yes$`, 'm'));
    }
    expect(run.stdout).toMatch(/^DNS Write +Zone → DNS → Edit +dns +yes$/m);
    expect(run.stdout).toContain('The token holds every permission this deploy needs.');
    expect(run.stdout).not.toContain(FULL);
  });

  it('names both missing scopes, in API and dashboard terms, and exits non-zero', async () => {
    const run = await runCliProcess(['validate-token'], { cwd: tempDir(), env: envFor(LACKS_TWO) });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^DNS Write +Zone → DNS → Edit +dns +MISSING$/m);
    expect(run.stdout).toMatch(/^Workers KV Storage Write +Account → Workers KV Storage → Edit +.*write-metadata.* +MISSING$/m);
    expect(run.stdout.match(/MISSING/g)).toHaveLength(2);
    expect(run.stderr).toContain('The token lacks 2 permission groups this deploy needs:');
    expect(run.stderr).toContain('"DNS Write" (dashboard: Zone → DNS → Edit)');
    expect(run.stderr).toContain('"Workers KV Storage Write" (dashboard: Account → Workers KV Storage → Edit)');
    expect(`${run.stdout}${run.stderr}`).not.toContain(LACKS_TWO);
  });

  it('--json gives the same verdict as one parseable object', async () => {
    const run = await runCliProcess(['validate-token', '--json'], { cwd: tempDir(), env: envFor(LACKS_TWO) });
    expect(run.code).toBe(1);
    const body = JSON.parse(run.stdout);
    expect(body.ok).toBe(false);
    expect(body.permissions.filter((p: { held: boolean }) => !p.held).map((p: { group: string }) => p.group).sort()).toEqual(['DNS Write', 'Workers KV Storage Write']);
    expect(new Set(body.missing.map((m: { suggested: string }) => m.suggested))).toEqual(new Set(['DNS Write', 'Workers KV Storage Write']));
  });

  it('says what to add when the token may not read its own permissions', async () => {
    const run = await runCliProcess(['validate-token'], { cwd: tempDir(), env: envFor(NO_SELF_READ) });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/may not read its own permissions.*\n.*"API Tokens Read" \(dashboard: User → API Tokens → Read\)/);
  });

  it('refuses an invalid token without echoing it', async () => {
    const run = await runCliProcess(['validate-token'], { cwd: tempDir(), env: envFor('cfl_not_a_real_token_at_all_0004') });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: Cloudflare refused the token \(401\)/m);
    expect(run.stderr).not.toContain('cfl_not_a_real_token_at_all_0004');
  });

  it('reads the token from CLOUDFLARE_API_TOKEN_FILE', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'token');
    writeFileSync(file, `${FULL}\n`);
    const env = envFor(FULL);
    delete env.CLOUDFLARE_API_TOKEN;
    const run = await runCliProcess(['validate-token'], { cwd: dir, env: { ...env, CLOUDFLARE_API_TOKEN_FILE: file } });
    expect(run.code).toBe(0);
  });

  it('stops and names what is missing when a config file exists but no token is set', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'nextdeploy.config.json'), JSON.stringify({
      accountId: cf.accountId, zoneId: cf.zone.id, baseDomain: cf.zone.name, pagesProject: 'shop', kvNamespaceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    }));
    const run = await runCliProcess(['validate-token'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: CLOUDFLARE_API_TOKEN is not set: nextdeploy\.config\.json points at a real Cloudflare account/m);
    expect(run.stderr).toMatch(/CLOUDFLARE_API_TOKEN_FILE/);
  });
});
