/** The router's settings, read from its Worker environment (wrangler.jsonc `vars`). */
export interface RouterConfig {
  /** Lowercase, no leading or trailing dot, e.g. `apps.nextdeploy.test`. */
  appsDomain: string;
  /** KV `cacheTtl` in seconds (KV refuses less than 60). */
  cacheTtlSeconds: number;
  /** How long an isolate reuses a compiled route table, in ms (0 = read KV every request). */
  isolateCacheMs: number;
  /** Target hosts the admin switch accepts when the app has no active record yet. */
  fallbackAllowedHosts: string[];
}

/** The Worker vars the config is read from (the generated `Env` is assignable to it). */
export type RouterVars = Partial<Record<'APPS_DOMAIN' | 'CACHE_TTL_SECONDS' | 'ISOLATE_CACHE_MS' | 'ALLOWED_TARGET_HOSTS', unknown>>;

const MIN_KV_CACHE_TTL = 60;
const byEnv = new WeakMap<object, RouterConfig>();

/** Parses (once per env object) the router's vars, falling back to safe defaults. */
export function routerConfig(env: RouterVars): RouterConfig {
  let config = byEnv.get(env);
  if (config === undefined) {
    config = parseRouterConfig(env);
    byEnv.set(env, config);
  }
  return config;
}

export function parseRouterConfig(env: RouterVars): RouterConfig {
  const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');
  const int = (value: unknown, fallback: number) => {
    const n = Number.parseInt(text(value), 10);
    return Number.isFinite(n) && n >= 0 ? n : fallback;
  };
  const hosts = text(env.ALLOWED_TARGET_HOSTS)
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  return {
    appsDomain: text(env.APPS_DOMAIN).toLowerCase().replace(/^\.+|\.+$/g, '') || 'apps.nextdeploy.test',
    cacheTtlSeconds: Math.max(MIN_KV_CACHE_TTL, int(env.CACHE_TTL_SECONDS, MIN_KV_CACHE_TTL)),
    isolateCacheMs: int(env.ISOLATE_CACHE_MS, 1000),
    fallbackAllowedHosts: hosts.length > 0 ? hosts : ['*.pages.dev'],
  };
}
