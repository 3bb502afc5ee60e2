import { activeRecordSchema, kvKeys } from '../../core/kv-records.ts';
import { formatZodIssues } from '../../core/metadata.ts';
import { compileRouteTable, type RouteTable } from '../../core/route-table.ts';
import type { RouterConfig } from './config.ts';

/** What the router knows about an app: its compiled live table, nothing, or a broken record. */
export type LookupResult =
  | { kind: 'found'; table: RouteTable }
  | { kind: 'missing' }
  | { kind: 'corrupt'; reason: string }
  /** KV failed and this isolate has no earlier copy to fall back on. */
  | { kind: 'unavailable'; reason: string };

interface CacheEntry {
  result: LookupResult;
  /** The KV value the result was compiled from; an unchanged value is not parsed again. */
  raw: string | null;
  expiresAt: number;
}

/** Bounds the isolate's memory when clients send many made-up app names. */
const MAX_CACHED_APPS = 1000;
const cache = new Map<string, CacheEntry>();
const inflight = new Map<string, Promise<LookupResult>>();

/**
 * The app's live route table. At most one KV read of `${app}:active` per call, none while the
 * isolate's copy is younger than `isolateCacheMs`; concurrent misses for one app share one read.
 * Missing and corrupt records are cached too, so unknown apps cannot make every request hit KV.
 *
 * A live table that expired less than another `isolateCacheMs` ago keeps serving while one
 * background read (via `waitUntil`) refreshes it, so busy apps never wait on KV: reading a
 * 10,000-route record takes milliseconds. Staleness stays bounded by 2 × `isolateCacheMs`.
 */
export function lookupApp(
  kv: KVNamespace,
  app: string,
  config: RouterConfig,
  waitUntil?: (promise: Promise<unknown>) => void,
): Promise<LookupResult> | LookupResult {
  const entry = cache.get(app);
  if (entry !== undefined) {
    const now = Date.now();
    if (now < entry.expiresAt) return entry.result;
    if (waitUntil !== undefined && entry.result.kind === 'found' && now < entry.expiresAt + config.isolateCacheMs) {
      if (!inflight.has(app)) waitUntil(startRefresh(kv, app, config, entry));
      return entry.result;
    }
  }
  return inflight.get(app) ?? startRefresh(kv, app, config, entry);
}

function startRefresh(kv: KVNamespace, app: string, config: RouterConfig, entry: CacheEntry | undefined): Promise<LookupResult> {
  const pending = refresh(kv, app, config, entry).finally(() => inflight.delete(app));
  inflight.set(app, pending);
  return pending;
}

/** Forgets the isolate's copy (after an admin switch, so this isolate serves the new version at once). */
export function invalidateApp(app: string): void {
  cache.delete(app);
}

async function refresh(kv: KVNamespace, app: string, config: RouterConfig, previous: CacheEntry | undefined): Promise<LookupResult> {
  let raw: string | null;
  try {
    // Read as text, not 'json': an unchanged record (the common case) then costs one string
    // comparison instead of a parse, a schema check and a compile of up to 20,000 routes.
    raw = await kv.get(kvKeys.active(app), { type: 'text', cacheTtl: config.cacheTtlSeconds });
  } catch (error) {
    console.error(`nextdeploy-router: ${app}: KV read failed: ${String(error)}`);
    // A KV hiccup keeps serving the last known table rather than failing the app.
    if (previous !== undefined) {
      previous.expiresAt = Date.now() + config.isolateCacheMs;
      return previous.result;
    }
    return { kind: 'unavailable', reason: String(error) };
  }
  const result = previous !== undefined && previous.raw === raw ? previous.result : resultFromActiveRecord(app, raw);
  cache.delete(app);
  if (config.isolateCacheMs > 0) {
    cache.set(app, { result, raw, expiresAt: Date.now() + config.isolateCacheMs });
    if (cache.size > MAX_CACHED_APPS) cache.delete(cache.keys().next().value!);
  }
  return result;
}

/** Turns a KV value into a lookup result; never throws. */
export function resultFromActiveRecord(app: string, raw: string | null): LookupResult {
  if (raw === null) return { kind: 'missing' };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { kind: 'corrupt', reason: 'active record is not JSON' };
  }
  const parsed = activeRecordSchema.safeParse(json);
  if (!parsed.success) {
    return { kind: 'corrupt', reason: `active record is invalid: ${formatZodIssues(parsed.error).slice(0, 3).join('; ')}` };
  }
  if (parsed.data.app !== app) {
    return { kind: 'corrupt', reason: `active record names app "${parsed.data.app}"` };
  }
  return { kind: 'found', table: compileRouteTable(parsed.data) };
}
