import { describe, expect, it } from 'vitest';
import { deployInputSchema, parseDeployInput, versionFromDate } from './deploy-input.ts';

const base = () => ({
  app: 'app123',
  accountId: 'a'.repeat(32),
  zoneId: 'b'.repeat(32),
  kvNamespaceId: 'c'.repeat(32),
  pagesProject: 'proj',
  source: { type: 'git', branch: 'main' },
  metadata: { app: 'app123', version: 'v2026-11-24-153000', defaultTarget: 'https://proj.pages.dev', routes: { '/blog': 'https://abc.proj.pages.dev' } },
  hostname: 'App123.Example.com',
});

const issues = (raw: unknown) => {
  const r = deployInputSchema().safeParse(raw);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('the deploy input schema', () => {
  it('fills defaults that fit real Cloudflare and takes the version from the metadata', () => {
    const input = parseDeployInput(base());
    expect(input.version).toBe('v2026-11-24-153000');
    expect(input.hostname).toBe('app123.example.com');
    expect(input.timing).toMatchObject({ buildTimeoutMs: 20 * 60_000, domainTimeoutMs: 30 * 60_000, bakeMs: 5 * 60_000, pollInitialIntervalMs: 5_000, pollMaxIntervalMs: 30_000 });
    expect(input.checks).toMatchObject({ paths: ['/'], expectVersionHeader: true });
    expect(input).toMatchObject({ dns: { enabled: true, proxied: true }, customDomain: { enabled: true }, versionsRetention: 20 });
    expect(input.allowedHosts).toEqual(['proj.pages.dev', '*.proj.pages.dev']);
    // What preflight does: a parsed input parses again to the same value.
    expect(parseDeployInput(JSON.parse(JSON.stringify(input)))).toEqual(input);
  });

  it('makes sortable UTC versions from a clock, and refuses metadata that is not an object', () => {
    expect(versionFromDate(new Date('2026-11-24T15:30:00.123Z'))).toBe('v2026-11-24-153000');
    const r = deployInputSchema({ now: () => new Date('2026-11-24T15:30:00Z') }).safeParse({ ...base(), metadata: 'not metadata' });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('metadata');
  });

  it('rejects a secret by name, at the top level and nested', () => {
    expect(issues({ ...base(), token: 'x' }).join('\n')).toMatch(/^token: "token" looks like a secret/m);
    expect(issues({ ...base(), source: { type: 'git', branch: 'main', apiToken: 'x' } }).join('\n')).toContain('source.apiToken: "apiToken" looks like a secret');
    expect(issues({ ...base(), checks: { CLOUDFLARE_API_TOKEN: 'x' } }).join('\n')).toContain('CLOUDFLARE_API_TOKEN');
  });

  it('checks the metadata against the project hosts and the input', () => {
    const outside = { ...base(), metadata: { ...base().metadata, routes: { '/x': 'https://evil.example.net' } } };
    expect(issues(outside).join('\n')).toContain('not an allowed origin');
    expect(issues({ ...outside, extraAllowedHosts: ['evil.example.net'] })).toEqual([]);
    expect(issues({ ...base(), version: 'v9' }).join('\n')).toContain('differs from version "v9"');
    expect(issues({ ...base(), metadata: { ...base().metadata, app: 'other' } }).join('\n')).toContain('differs from app');
  });

  it('refuses unknown keys, including __proto__ and constructor, without polluting anything', () => {
    const raw = JSON.parse(`{"__proto__": {"polluted": true}, ${JSON.stringify(base()).slice(1)}`) as object;
    expect(issues(raw).join('\n')).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(issues({ ...base(), constructor: 'x' }).join('\n')).toContain('constructor');
    expect(issues({ ...base(), pagesProject: 'Bad_Name' }).join('\n')).toContain('pagesProject');
    expect(issues({ ...base(), source: { type: 'directory', path: 'relative/dir' } }).join('\n')).toContain('absolute');
  });
});
