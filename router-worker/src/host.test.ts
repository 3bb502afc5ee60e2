import { describe, expect, it } from 'vitest';
import { parseRouterConfig } from './config.ts';
import { cachedAppForHost, appFromHostname } from './host.ts';

const DOMAIN = 'apps.nextdeploy.test';

describe('host → app', () => {
  it.each([
    ['app123.apps.nextdeploy.test', 'app123'],
    ['APP123.Apps.NextDeploy.TEST', 'app123'],
    ['app123.apps.nextdeploy.test.', 'app123'],
    ['my-app.apps.nextdeploy.test', 'my-app'],
    ['__proto__.apps.nextdeploy.test', null],
    ['constructor.apps.nextdeploy.test', 'constructor'],
    ['apps.nextdeploy.test', null],
    ['.apps.nextdeploy.test', null],
    ['a.b.apps.nextdeploy.test', null],
    ['app123.apps.nextdeploy.test..', null],
    ['app123.apps.nextdeploy.test.evil.com', null],
    ['app123apps.nextdeploy.test', null],
    ['evil.com', null],
    ['-app.apps.nextdeploy.test', null],
    ['app_1.apps.nextdeploy.test', null],
    ['127.0.0.1', null],
    ['', null],
  ])('%s → %s', (host, app) => {
    expect(appFromHostname(host, DOMAIN)).toBe(app);
    expect(cachedAppForHost(host, DOMAIN)).toBe(app);
    expect(cachedAppForHost(host, DOMAIN)).toBe(app);
  });

  it('remembers per apps domain', () => {
    expect(cachedAppForHost('shop.apps.one.test', 'apps.one.test')).toBe('shop');
    expect(cachedAppForHost('shop.apps.one.test', 'apps.two.test')).toBeNull();
  });
});

describe('router config', () => {
  it('keeps KV cacheTtl at or above 60 s and falls back to safe defaults', () => {
    expect(parseRouterConfig({})).toEqual({
      appsDomain: 'apps.nextdeploy.test',
      cacheTtlSeconds: 60,
      isolateCacheMs: 1000,
      fallbackAllowedHosts: ['*.pages.dev'],
    });
    const c = parseRouterConfig({ APPS_DOMAIN: ' .Apps.Example.COM. ', CACHE_TTL_SECONDS: '5', ISOLATE_CACHE_MS: '250', ALLOWED_TARGET_HOSTS: 'a.pages.dev, *.b.pages.dev,' });
    expect(c).toEqual({ appsDomain: 'apps.example.com', cacheTtlSeconds: 60, isolateCacheMs: 250, fallbackAllowedHosts: ['a.pages.dev', '*.b.pages.dev'] });
    expect(parseRouterConfig({ CACHE_TTL_SECONDS: '300', ISOLATE_CACHE_MS: 'x' })).toMatchObject({ cacheTtlSeconds: 300, isolateCacheMs: 1000 });
  });
});
