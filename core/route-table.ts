// Safe for: worker, workflow (pure functions over the KV records)
import { hostAllowed } from './metadata.ts';
import type { ActiveRecord } from './kv-records.ts';

/**
 * Where a matched request goes: an https origin the record allows, plus the target's base path
 * (no trailing slash, '' for none). `null` when the target failed the router's own check, so
 * a tampered record can never turn the router into an open proxy.
 */
export interface CompiledTarget {
  /** The target URL as written in the record. */
  url: string;
  /** `https://host`, or null when the target is refused. */
  origin: string | null;
  /** Prefix for the upstream path, e.g. `/base` for `https://x.pages.dev/base`; '' for none. */
  basePath: string;
  /** Why the target was refused (only when `origin` is null). */
  refusal?: string;
}

/** An {@link ActiveRecord} compiled once for matching; lookups cost O(request path segments). */
export interface RouteTable {
  app: string;
  version: string;
  defaultTarget: CompiledTarget;
  /** Route path (normalised) → target; a null-prototype map, so `__proto__` is just a key. */
  routes: Record<string, CompiledTarget>;
  routeCount: number;
  /** The longest route path; request paths are cut to it before walking their boundaries. */
  longestRoute: number;
  /** `routeLengths[n] === 1` when some route is n characters long; other candidates skip the map. */
  routeLengths: Uint8Array;
}

/** The result of {@link matchRoute}: the route that matched (null for the default) and its target. */
export interface RouteMatch {
  route: string | null;
  target: CompiledTarget;
}

/** Compiles a validated active record. Targets are re-checked against its `allowedHosts`. */
export function compileRouteTable(record: ActiveRecord): RouteTable {
  const byUrl = new Map<string, CompiledTarget>();
  const compile = (url: string): CompiledTarget => {
    let target = byUrl.get(url);
    if (target === undefined) {
      target = compileTarget(url, record.allowedHosts);
      byUrl.set(url, target);
    }
    return target;
  };
  const routes: Record<string, CompiledTarget> = Object.create(null);
  const keys = record.routes.map(([path, url]) => [normalizeRequestPath(path), url] as const);
  const longestRoute = keys.reduce((max, [key]) => Math.max(max, key.length), 1);
  const routeLengths = new Uint8Array(longestRoute + 1);
  for (const [key, url] of keys) {
    routes[key] = compile(url);
    routeLengths[key.length] = 1;
  }
  return {
    app: record.app,
    version: record.version,
    defaultTarget: compile(record.defaultTarget),
    routes,
    routeCount: record.routes.length,
    longestRoute,
    routeLengths,
  };
}

/** Checks one target URL the same way the metadata schema does, without zod (runs per record). */
export function compileTarget(url: string, allowedHosts: readonly string[]): CompiledTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, origin: null, basePath: '', refusal: 'not a URL' };
  }
  const refusal =
    parsed.protocol !== 'https:' ? 'not https'
    : parsed.username || parsed.password ? 'carries credentials'
    : parsed.port ? 'names a port'
    : parsed.search || parsed.hash ? 'has a query or fragment'
    : !hostAllowed(parsed.hostname, allowedHosts) ? `host ${parsed.hostname} is not allowed`
    : undefined;
  if (refusal !== undefined) return { url, origin: null, basePath: '', refusal };
  const basePath = parsed.pathname.endsWith('/') ? parsed.pathname.slice(0, -1) : parsed.pathname;
  return { url, origin: parsed.origin, basePath };
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * The matching form of a URL path (RFC 3986 §6.2.2): percent escapes of unreserved characters
 * decoded, other escapes upper-cased. `%2F` stays encoded, so it never acts as a segment boundary.
 */
export function normalizeRequestPath(path: string): string {
  if (!path.includes('%')) return path;
  return path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
  });
}

/**
 * Exact path first, then the longest route that is a prefix on a segment boundary (`/blog`
 * matches `/blog`, `/blog/` and `/blog/post`, never `/blogger`), then the default target. A
 * route `/` is a prefix of every path. The walk visits the request path's own `/` boundaries
 * from longest to shortest, so its cost does not depend on how many routes the table holds.
 */
export function matchRoute(table: RouteTable, pathname: string): RouteMatch {
  const { routes, routeLengths } = table;
  let path = normalizeRequestPath(pathname);
  if (path.length > table.longestRoute) {
    // No route is longer; start at the last boundary that could still be one.
    const cut = path.lastIndexOf('/', table.longestRoute);
    path = cut <= 0 ? '/' : path.slice(0, cut);
  }
  for (;;) {
    if (routeLengths[path.length] === 1) {
      const target = routes[path];
      if (target !== undefined) return { route: path, target };
    }
    if (path.length <= 1) break;
    const cut = path.lastIndexOf('/');
    path = cut <= 0 ? '/' : path.slice(0, cut);
  }
  return { route: null, target: table.defaultTarget };
}

/**
 * The upstream URL for a request: the target's origin and base path, then the path and query as
 * received; null when the target is refused.
 */
export function upstreamUrl(target: CompiledTarget, pathname: string, search: string): string | null {
  return target.origin === null ? null : `${target.origin}${target.basePath}${pathname}${search}`;
}
