import { describe, expect, it } from 'vitest';
import { buildActiveRecord } from './kv-records.ts';
import { pagesHostsFor } from './metadata.ts';
import { compileRouteTable, matchRoute, normalizeRequestPath, upstreamUrl } from './route-table.ts';

const DEFAULT = 'https://shop.pages.dev';
function table(routes: Record<string, string>, allowedHosts = pagesHostsFor('shop')) {
  return compileRouteTable(
    buildActiveRecord({
      metadata: { app: 'app123', version: 'v1', defaultTarget: DEFAULT, routes },
      allowedHosts,
      previousVersion: null,
      activatedAt: '2026-11-25T00:00:00.000Z',
      activatedBy: 'test',
    }),
  );
}

const t = table({
  '/blog': 'https://blog.shop.pages.dev',
  '/blog/archive': 'https://archive.shop.pages.dev',
  '/docs/v1/api': 'https://api.shop.pages.dev/base',
  '/caf%C3%A9': 'https://cafe.shop.pages.dev',
  '/__proto__': 'https://proto.shop.pages.dev',
  '/constructor': 'https://ctor.shop.pages.dev',
});

describe('route matching', () => {
  it.each([
    ['/blog', '/blog', 'https://blog.shop.pages.dev'],
    ['/blog/', '/blog', 'https://blog.shop.pages.dev'],
    ['/blog/post', '/blog', 'https://blog.shop.pages.dev'],
    ['/blog/post/deep/er', '/blog', 'https://blog.shop.pages.dev'],
    ['/blog/archive', '/blog/archive', 'https://archive.shop.pages.dev'],
    ['/blog/archive/2026', '/blog/archive', 'https://archive.shop.pages.dev'],
    ['/blog/archiver', '/blog', 'https://blog.shop.pages.dev'],
    ['/docs/v1/api/x', '/docs/v1/api', 'https://api.shop.pages.dev/base'],
    ['/__proto__', '/__proto__', 'https://proto.shop.pages.dev'],
    ['/constructor/x', '/constructor', 'https://ctor.shop.pages.dev'],
    ['/caf%c3%a9/menu', '/caf%C3%A9', 'https://cafe.shop.pages.dev'],
    ['/%62log/post', '/blog', 'https://blog.shop.pages.dev'],
  ])('%s → route %s', (path, route, target) => {
    const m = matchRoute(t, path);
    expect(m.route).toBe(route);
    expect(m.target.url).toBe(target);
  });

  it.each(['/', '/blogger', '/blo', '/docs/v1', '/docs/v1/apis', '/blog%2Fpost', '/toString', '/hasOwnProperty', '//blog'])(
    '%s falls to the default target',
    (path) => {
      const m = matchRoute(t, path);
      expect(m.route).toBeNull();
      expect(m.target.url).toBe(DEFAULT);
    },
  );

  it('treats a "/" route as a prefix of every path', () => {
    const root = table({ '/': 'https://root.shop.pages.dev', '/a': 'https://a.shop.pages.dev' });
    expect(matchRoute(root, '/').route).toBe('/');
    expect(matchRoute(root, '/zzz/y').route).toBe('/');
    expect(matchRoute(root, '/a/b').route).toBe('/a');
  });

  it('handles request paths far longer than any route', () => {
    const long = '/blog/' + 'x/'.repeat(5000);
    expect(matchRoute(t, long).route).toBe('/blog');
    expect(matchRoute(t, '/' + 'y'.repeat(10_000)).route).toBeNull();
  });

  it('builds the upstream URL from origin, base path, path and query', () => {
    const m = matchRoute(t, '/docs/v1/api/x');
    expect(m.target.origin).toBe('https://api.shop.pages.dev');
    expect(upstreamUrl(m.target, '/docs/v1/api/x', '?q=1')).toBe(
      'https://api.shop.pages.dev/base/docs/v1/api/x?q=1',
    );
  });

  it('refuses targets the record does not allow, even when the record says so', () => {
    const record = buildActiveRecord({
      metadata: { app: 'app123', version: 'v1', defaultTarget: DEFAULT, routes: { '/x': 'https://evil.example.com' } },
      allowedHosts: pagesHostsFor('shop'),
      previousVersion: null,
      activatedAt: 'now',
      activatedBy: 'test',
    });
    const compiled = compileRouteTable(record);
    expect(compiled.routes['/x']!.origin).toBeNull();
    expect(compiled.routes['/x']!.refusal).toMatch(/not allowed/);
    expect(compiled.defaultTarget.origin).toBe(DEFAULT);
    for (const bad of ['http://shop.pages.dev', 'https://u:p@shop.pages.dev', 'https://shop.pages.dev:8443', 'https://shop.pages.dev/?a=1']) {
      const c = compileRouteTable({ ...record, defaultTarget: bad });
      expect(c.defaultTarget.origin, bad).toBeNull();
    }
  });

  it('normalises percent escapes for matching only', () => {
    expect(normalizeRequestPath('/a%7eb%2fc%e2%82%ac')).toBe('/a~b%2Fc%E2%82%AC');
    expect(normalizeRequestPath('/plain')).toBe('/plain');
  });

  it('costs the same at 10 and 10,000 routes', () => {
    const small = table(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`/r${i}/x`, DEFAULT])));
    const big = table(Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`/r${i}/x`, DEFAULT])));
    const paths = ['/r5/x/page', '/nope/a/b', '/r9/x'];
    const time = (tb: typeof small) => {
      const start = performance.now();
      for (let i = 0; i < 200_000; i++) matchRoute(tb, paths[i % 3]!);
      return performance.now() - start;
    };
    time(small);
    time(big); // warm both
    const ratio = Math.min(time(big), time(big)) / Math.min(time(small), time(small));
    // Generous bound: a scan over 10,000 routes would be ~1000× slower, not 3×.
    expect(ratio).toBeLessThan(3);
  });
});
