import { describe, expect, it } from 'vitest';
import { checkToken, describeMissing, requiredPermissions, tokenAllows, type DeployPermissionOptions } from './token-permissions.ts';

const FULL = ['Pages Write', 'DNS Write', 'Workers KV Storage Write', 'Zone Read'];
const GIT_DNS_DOMAIN: DeployPermissionOptions = { source: 'git', dns: true, customDomain: true };

describe('requiredPermissions', () => {
  it('resolves every step of every option combination to operations of the schema', () => {
    for (const source of ['git', 'direct-upload'] as const) {
      for (const dns of [true, false]) {
        for (const customDomain of [true, false]) {
          for (const routerDeploy of [true, false]) {
            const steps = requiredPermissions({ source, dns, customDomain, routerDeploy });
            expect(steps.every((s) => s.operations.length > 0)).toBe(true);
          }
        }
      }
    }
  });

  it('takes the groups from the schema: DNS create needs DNS Write, DNS list either DNS group', () => {
    const dns = requiredPermissions(GIT_DNS_DOMAIN).find((s) => s.step === 'dns');
    expect(dns?.operations.find((o) => o.operation === 'dns.records create')?.anyOf).toEqual(['DNS Write']);
    expect(dns?.operations.find((o) => o.operation === 'dns.records list')?.anyOf).toEqual(['DNS Read', 'DNS Write']);
  });

  it('leaves out the steps a deploy does not run', () => {
    const steps = requiredPermissions({ source: 'git', dns: false, customDomain: false }).map((s) => s.step);
    expect(steps).toEqual(['preflight', 'trigger-deployment', 'poll-deployment', 'write-metadata', 'flip-active']);
  });

  it('a Workers deploy needs Workers Scripts Write for its upload and its flip; native routing adds the custom domain', async () => {
    const router = requiredPermissions({ source: 'workers', dns: true, customDomain: false, workersRouting: 'router' });
    const groups = (step: string, steps = router) => [...new Set(steps.find((s) => s.step === step)?.operations.flatMap((o) => o.anyOf) ?? [])];
    expect(router.map((s) => s.step)).toEqual(['preflight', 'trigger-deployment', 'dns', 'write-metadata', 'flip-active']);
    expect(groups('trigger-deployment')).toContain('Workers Scripts Write');
    expect(router.find((s) => s.step === 'flip-active')?.operations.map((o) => o.operationId)).toContain('worker-deployments-create-deployment');
    const native = requiredPermissions({ source: 'workers', dns: false, customDomain: false, workersRouting: 'native' });
    expect(native.map((s) => s.step)).toEqual(['preflight', 'trigger-deployment', 'write-metadata', 'flip-active', 'custom-domain']);
    expect(native.find((s) => s.step === 'custom-domain')?.operations.map((o) => o.operationId)).toEqual(['workers.domains.list', 'workers.domains.update', 'workers.domains.delete']);
    expect(groups('custom-domain', native).length).toBeGreaterThan(0);
  });

  it('asks Direct Upload for the upload token, and nothing for the JWT-authorised assets calls', () => {
    const trigger = requiredPermissions({ source: 'direct-upload', dns: false, customDomain: false }).find(
      (s) => s.step === 'trigger-deployment',
    );
    expect(trigger?.operations.find((o) => o.operation === 'pages.projects get-upload-token')?.anyOf).toEqual(['Pages Write']);
    expect(trigger?.operations.find((o) => o.operationId === 'pages-assets-upload')?.anyOf).toEqual([]);
  });
});

describe('checkToken', () => {
  it('accepts a token holding every group the deploy needs', () => {
    expect(checkToken(FULL, GIT_DNS_DOMAIN)).toEqual({ ok: true, missing: [] });
    expect(checkToken(FULL, { ...GIT_DNS_DOMAIN, source: 'direct-upload' }).ok).toBe(true);
  });

  it('names DNS Write, both ways, and the step it blocks when the token lacks it', () => {
    const result = checkToken(FULL.filter((g) => g !== 'DNS Write'), GIT_DNS_DOMAIN);
    expect(result.ok).toBe(false);
    expect(new Set(result.missing.map((m) => m.step))).toEqual(new Set(['dns']));
    expect(result.missing.map((m) => m.suggested)).toEqual(['DNS Write', 'DNS Write', 'DNS Write', 'DNS Write']);
    expect(result.missing[0]?.dashboard).toBe('Zone → DNS → Edit');
    const text = describeMissing(result).join('\n');
    expect(text).toContain('"DNS Write" (dashboard: Zone → DNS → Edit)');
    expect(text).toContain('blocks dns');
  });

  it('needs no DNS Write when DNS is off', () => {
    expect(checkToken(FULL.filter((g) => g !== 'DNS Write'), { ...GIT_DNS_DOMAIN, dns: false }).ok).toBe(true);
  });

  it('names Pages Write and every Pages step it blocks when the token lacks it', () => {
    const result = checkToken(FULL.filter((g) => g !== 'Pages Write'), GIT_DNS_DOMAIN);
    expect(result.ok).toBe(false);
    expect([...new Set(result.missing.map((m) => m.step))]).toEqual(['trigger-deployment', 'poll-deployment', 'custom-domain']);
    expect(new Set(result.missing.map((m) => m.suggested))).toEqual(new Set(['Pages Write']));
    const text = describeMissing(result).join('\n');
    expect(text).toContain('"Pages Write" (dashboard: Account → Cloudflare Pages → Edit)');
    expect(text).toContain('blocks trigger-deployment');
    expect(text).toContain('blocks custom-domain');
  });

  it('treats the schema\'s two spellings of one dashboard permission alike ("Zone Read" = "Zone Zone Read")', () => {
    // GET /zones asks for "Zone Zone Read"; tokens carry "Zone Read" (dashboard: Zone → Zone → Read).
    expect(tokenAllows(['Zone Read'], 'zones-get')).toBe(true);
    expect(tokenAllows(['DNS Write'], 'zones-get')).toBe(false);
    expect(tokenAllows([], 'user-api-tokens-verify-token')).toBe(true);
  });

  it('lets any read group the schema lists for the zone lookup pass preflight', () => {
    expect(checkToken(['Pages Write', 'Workers KV Storage Write', 'DNS Read'], { source: 'git', dns: false, customDomain: false }).ok).toBe(true);
    const noZone = checkToken(['Pages Write', 'Workers KV Storage Write'], { source: 'git', dns: false, customDomain: false });
    expect(noZone.missing.map((m) => m.operationId)).toEqual(['zones-0-get']);
  });

  it('suggests the one group that unblocks the most, not one per operation', () => {
    const result = checkToken([], { source: 'direct-upload', dns: true, customDomain: true, routerDeploy: true });
    expect([...new Set(result.missing.map((m) => m.suggested))].sort()).toEqual(
      ['DNS Write', 'Pages Write', 'Workers KV Storage Write', 'Workers Routes Write', 'Workers Scripts Write'].sort(),
    );
  });

  it('grants nothing for names that are not groups, prototype keys included', () => {
    const result = checkToken(['__proto__', 'constructor', 'toString'], { source: 'git', dns: false, customDomain: false });
    expect(result.ok).toBe(false);
    expect(result.missing.length).toBeGreaterThan(0);
  });
});
