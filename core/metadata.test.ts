import { describe, expect, it } from 'vitest';
import { formatZodIssues, hostAllowed, metadataSchema, pagesHostsFor } from './metadata.ts';

const schema = metadataSchema({ allowedHosts: pagesHostsFor('shop') });
const valid = {
  app: 'app123',
  version: 'v2026-11-24-153000',
  defaultTarget: 'https://shop.pages.dev',
  routes: { '/blog': 'https://abc123.shop.pages.dev', '/': 'https://shop.pages.dev' },
};

function errorsOf(input: unknown): string[] {
  const result = schema.safeParse(input);
  return result.success ? [] : formatZodIssues(result.error);
}

describe('metadata.json schema', () => {
  it('accepts a well-formed document', () => {
    expect(errorsOf(valid)).toEqual([]);
  });

  it.each([
    ['app', { ...valid, app: 'App_123' }],
    ['app', { ...valid, app: '' }],
    ['app', { ...valid, app: '-app' }],
    ['version', { ...valid, version: '../v1' }],
    ['defaultTarget', { ...valid, defaultTarget: 'http://shop.pages.dev' }],
    ['defaultTarget', { ...valid, defaultTarget: 'https://evil.example.com' }],
    ['defaultTarget', { ...valid, defaultTarget: 'https://user:pw@shop.pages.dev' }],
    ['defaultTarget', { ...valid, defaultTarget: 'https://shop.pages.dev.evil.com' }],
    ['routes', { ...valid, routes: { blog: 'https://shop.pages.dev' } }],
    ['routes', { ...valid, routes: { '/blog/': 'https://shop.pages.dev' } }],
    ['routes', { ...valid, routes: { '/a/../b': 'https://shop.pages.dev' } }],
    ['routes', { ...valid, routes: { '/a%2Fb': 'https://shop.pages.dev' } }],
    ['routes', { ...valid, routes: { '/x': 'https://other.pages.dev' } }],
  ])('names the field %s when it is wrong', (field, input) => {
    const errors = errorsOf(input);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]!.startsWith(field)).toBe(true);
  });

  it('says why a route path is wrong, not only that it is', () => {
    expect(errorsOf({ ...valid, routes: { '/blog': 'https://shop.pages.dev', 'blog': 'https://shop.pages.dev' } })).toEqual([
      'routes.blog: route path must start with "/" and hold only URL path characters (no spaces, "?" or "#")',
    ]);
  });

  it('refuses unknown fields instead of ignoring them', () => {
    expect(errorsOf({ ...valid, extra: 1 }).join('\n')).toMatch(/extra/);
  });

  it('treats __proto__ and constructor as ordinary route paths that must be valid', () => {
    const input = JSON.parse('{"app":"a","version":"v1","defaultTarget":"https://shop.pages.dev","routes":{"__proto__":"https://shop.pages.dev"}}');
    expect(errorsOf(input).join('\n')).toMatch(/routes/);
    expect(errorsOf({ ...valid, routes: { '/constructor': 'https://shop.pages.dev' } })).toEqual([]);
  });
});

describe('hostAllowed', () => {
  it('matches exact hosts and strict subdomains of wildcards', () => {
    const allowed = pagesHostsFor('shop');
    expect(hostAllowed('shop.pages.dev', allowed)).toBe(true);
    expect(hostAllowed('abc.shop.pages.dev', allowed)).toBe(true);
    expect(hostAllowed('SHOP.pages.dev', allowed)).toBe(true);
    expect(hostAllowed('evilshop.pages.dev', allowed)).toBe(false);
    expect(hostAllowed('pages.dev', allowed)).toBe(false);
  });
});
