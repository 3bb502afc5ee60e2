import { describe, expect, it } from 'vitest';
import { ConfigError, envOverrides, mergeLayers, parseConfig, resolveApp } from './config.ts';

const valid = {
  accountId: '0123456789abcdef0123456789abcdef',
  zoneId: 'fedcba9876543210fedcba9876543210',
  baseDomain: 'example.com',
  pagesProject: 'shop',
  kvNamespaceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  apps: { app123: { hostname: 'app123.apps.example.com', checkPaths: ['/', '/about'] } },
};

function problemsOf(raw: unknown): string[] {
  try {
    parseConfig(raw);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('nextdeploy.config.json', () => {
  it('accepts a complete file and fills the defaults', () => {
    const config = parseConfig(valid);
    expect(config.timeouts.bakeSeconds).toBe(60);
    expect(config.checkPaths).toEqual(['/']);
    expect(resolveApp(config, 'app123')).toMatchObject({ hostname: 'app123.apps.example.com', pagesProject: 'shop', checkPaths: ['/', '/about'] });
  });

  it('names every missing field and the variable that can set it', () => {
    const problems = problemsOf({ baseDomain: 'example.com' });
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^accountId: missing .*CLOUDFLARE_ACCOUNT_ID/),
      expect.stringMatching(/^zoneId: missing .*CLOUDFLARE_ZONE_ID/),
      expect.stringMatching(/^pagesProject: missing .*NEXTDEPLOY_PAGES_PROJECT/),
      expect.stringMatching(/^kvNamespaceId: missing .*NEXTDEPLOY_KV_NAMESPACE_ID/),
    ]));
  });

  it('names the nested field of a bad app entry', () => {
    expect(problemsOf({ ...valid, apps: { app123: { hostname: 'https://x.example.com' } } })[0]).toMatch(/^apps\.app123\.hostname: must be a hostname/);
    expect(problemsOf({ ...valid, apps: { App_1: {} } })[0]).toMatch(/^apps\.App_1: app must be a lowercase DNS label/);
    expect(problemsOf({ ...valid, apps: { app123: { hostnme: 'x' } } })[0]).toMatch(/^apps\.app123: .*hostnme/);
  });

  it('a natively routed Workers app answers outside the router\'s apps. route, which would run first', () => {
    const native = parseConfig({ ...valid, apps: { shop: { target: 'workers', routing: 'native' } } });
    expect(resolveApp(native, 'shop')).toMatchObject({ hostname: 'shop.example.com', routing: 'native' });
    expect(problemsOf({ ...valid, apps: { shop: { target: 'workers', routing: 'native', hostname: 'shop.apps.example.com' } } })[0]).toMatch(
      /^apps\.shop\.hostname: "shop\.apps\.example\.com" is under apps\.example\.com, where the router's route answers first; with routing "native" use a name outside it, e\.g\. "shop\.example\.com"/,
    );
    expect(problemsOf({ ...valid, apps: { site: { target: 'pages', routing: 'native' } } })[0]).toMatch(/^apps\.site\.routing: "native" is a Workers app's/);
  });

  it('refuses a hostname outside the zone (no hijacking another domain)', () => {
    expect(problemsOf({ ...valid, apps: { app123: { hostname: 'app123.evil.com' } } })[0]).toMatch(/^apps\.app123\.hostname: "app123\.evil\.com" is outside the zone example\.com/);
  });

  it('refuses a token in the file, naming the field but never the value', () => {
    const problems = problemsOf({ ...valid, apiToken: 'supersecretvalue123' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^apiToken: .*CLOUDFLARE_API_TOKEN or CLOUDFLARE_API_TOKEN_FILE/);
    expect(problems.join()).not.toContain('supersecretvalue123');
    expect(problemsOf({ ...valid, apps: { app123: { token: 'x' } } })[0]).toMatch(/^apps\.app123\.token:/);
  });

  it('treats __proto__ and constructor as app names like any other', () => {
    expect(problemsOf(JSON.parse(JSON.stringify(valid).replace('"app123":', '"__proto__":')))[0]).toMatch(/^apps\.__proto__:/);
    const config = parseConfig({ ...valid, apps: { constructor: {} } });
    expect(resolveApp(config, 'constructor').hostname).toBe('constructor.apps.example.com');
    expect(() => resolveApp(config, 'hasownproperty')).toThrow(/apps\.hasownproperty: app "hasownproperty" is not in/);
  });

  it('refuses an unlisted app unless the embedded defaults allow any', () => {
    const config = parseConfig(valid);
    expect(() => resolveApp(config, 'ap123')).toThrow(/apps\.ap123: app "ap123" is not in nextdeploy\.config\.json \(known apps: app123\)/);
    expect(resolveApp(config, 'ap123', { allowUnlisted: true }).hostname).toBe('ap123.apps.example.com');
  });

  it('lets environment variables override the file, and flags override both', () => {
    const env = envOverrides({ NEXTDEPLOY_PAGES_PROJECT: 'from-env', NEXTDEPLOY_CHECK_PATHS: '/, /health', NEXTDEPLOY_BAKE_SECONDS: '5', UNRELATED: 'x' });
    expect(env.used.sort()).toEqual(['NEXTDEPLOY_BAKE_SECONDS', 'NEXTDEPLOY_CHECK_PATHS', 'NEXTDEPLOY_PAGES_PROJECT']);
    const config = parseConfig(mergeLayers(valid, env.raw, { pagesProject: 'from-flag' }));
    expect(config.pagesProject).toBe('from-flag');
    expect(config.checkPaths).toEqual(['/', '/health']);
    expect(config.timeouts).toMatchObject({ bakeSeconds: 5, pagesDeploymentSeconds: 900 });
  });

  it('says which variable holds a bad value', () => {
    const env = envOverrides({ NEXTDEPLOY_BAKE_SECONDS: 'soon' });
    expect(problemsOf(mergeLayers(valid, env.raw))[0]).toMatch(/^timeouts\.bakeSeconds: .*NEXTDEPLOY_BAKE_SECONDS/);
  });
});
