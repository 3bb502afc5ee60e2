import { describe, expect, it } from 'vitest';
import type { VersionEntry } from '../core/kv-records.ts';
import { applyRetention } from './kv-store.ts';
import { canonicalMetadata, pinTargets } from './versions.ts';

const entry = (version: string, state: VersionEntry['state']): VersionEntry => ({ version, state, createdAt: 't', updatedAt: 't' });

describe('pinning targets to the deployment', () => {
  it('rewrites the production alias to the immutable deployment host, and nothing else', () => {
    const pinned = pinTargets(
      {
        app: 'a',
        version: 'v1',
        defaultTarget: 'https://proj.pages.dev',
        routes: { '/blog': 'https://proj.pages.dev/blog', '/docs': 'https://docs.proj.pages.dev', '/x': 'https://other.pages.dev/' },
      },
      'proj.pages.dev',
      'abc12345.proj.pages.dev',
    );
    expect(pinned.defaultTarget).toBe('https://abc12345.proj.pages.dev');
    expect(pinned.routes).toEqual({ '/blog': 'https://abc12345.proj.pages.dev/blog', '/docs': 'https://docs.proj.pages.dev', '/x': 'https://other.pages.dev/' });
  });

  it('pins a Worker alias to the version URL, and leaves other scripts on the subdomain alone', () => {
    const pinned = pinTargets(
      { app: 'a', version: 'v1', defaultTarget: 'https://shop.acct.workers.dev', routes: { '/api': 'https://shop.acct.workers.dev/api', '/x': 'https://other.acct.workers.dev' } },
      'shop.acct.workers.dev',
      '1a2b3c4d-shop.acct.workers.dev',
    );
    expect(pinned.defaultTarget).toBe('https://1a2b3c4d-shop.acct.workers.dev');
    expect(pinned.routes).toEqual({ '/api': 'https://1a2b3c4d-shop.acct.workers.dev/api', '/x': 'https://other.acct.workers.dev' });
  });

  it('serialises equal metadata to the same bytes whatever the route order', () => {
    const a = canonicalMetadata({ app: 'a', version: 'v1', defaultTarget: 'https://p.pages.dev', routes: { '/b': 'https://p.pages.dev', '/a': 'https://p.pages.dev' } });
    const b = canonicalMetadata({ app: 'a', version: 'v1', defaultTarget: 'https://p.pages.dev', routes: { '/a': 'https://p.pages.dev', '/b': 'https://p.pages.dev' } });
    expect(a).toBe(b);
  });
});

describe('versions list retention', () => {
  it('drops the oldest entries but never the live, the previous or the new one', () => {
    const list = [entry('v1', 'retired'), entry('v2', 'retired'), entry('v3', 'failed'), entry('v4', 'live'), entry('v5', 'pending')];
    expect(applyRetention(list, 3, ['v5', 'v4', 'v1']).map((e) => e.version)).toEqual(['v1', 'v4', 'v5']);
    expect(applyRetention(list, 2, ['v5', 'v1']).map((e) => e.version)).toEqual(['v1', 'v4', 'v5']);
    expect(applyRetention(list, 10, []).length).toBe(5);
    const odd = [entry('__proto__', 'retired'), entry('constructor', 'retired'), entry('v9', 'live')];
    expect(applyRetention(odd, 2, ['constructor']).map((e) => e.version)).toEqual(['constructor', 'v9']);
  });
});
