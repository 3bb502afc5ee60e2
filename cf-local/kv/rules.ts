/**
 * Workers KV request rules: the limits and validation messages of the KV service and the mapping
 * of Miniflare's KV failures to API errors, shared by the namespace and value routes.
 */
import type { AccountModel } from '../account-model.ts';
import { CfApiError, Errors } from '../errors.ts';

/** Limits: developers.cloudflare.com/kv/platform/limits (key 512 bytes, value 25 MiB, metadata 1024 bytes). */
const MAX_KEY = 512;
export const MAX_VALUE = 25 * 1024 * 1024;
const MAX_METADATA = 1024;

/** Key length and the names KV refuses. */
export function checkKey(key: string): void {
  const len = Buffer.byteLength(key, 'utf8');
  if (len > MAX_KEY) throw Errors.kvKeyTooLong(len);
  if (key === '' || key === '.' || key === '..') throw new CfApiError(400, { code: 10019, message: `Illegal key name "${key}".` });
}

/** `expiration` / `expiration_ttl` as KV validates them (TTL ≥ 60 s, expiry ≥ 60 s ahead). */
export function checkExpiration(expiration: number | undefined, ttl: number | undefined, now: number): { expiration?: number; expirationTtl?: number } {
  const out: { expiration?: number; expirationTtl?: number } = {};
  // Messages as the KV service words them (Miniflare mirrors them from production).
  if (ttl !== undefined) {
    if (!Number.isFinite(ttl) || ttl < 60) throw Errors.kvInvalidExpiration(`Invalid expiration_ttl of ${ttl}. Expiration TTL must be at least 60.`);
    out.expirationTtl = Math.floor(ttl);
  } else if (expiration !== undefined) {
    if (!Number.isFinite(expiration) || expiration <= Math.floor(now / 1000) + 59)
      throw Errors.kvInvalidExpiration(`Invalid expiration of ${expiration}. Expiration times must be at least 60 seconds in the future.`);
    out.expiration = Math.floor(expiration);
  }
  return out;
}

/** Metadata size as serialised JSON. */
export function checkMetadata(metadata: unknown): void {
  if (metadata === undefined) return;
  const len = Buffer.byteLength(JSON.stringify(metadata));
  if (len > MAX_METADATA) throw Errors.kvMetadataTooLarge(len);
}

/** A numeric query parameter; undefined when absent or empty. */
export function numParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw Errors.kvInvalidExpiration(`Invalid ${name} of ${v}.`);
  return n;
}

/** Map a Miniflare KV failure ("KV PUT failed: 414 UTF-8 encoded length …") to the API's error. */
export function mapKvError(err: unknown): never {
  if (err instanceof CfApiError) throw err;
  const msg = err instanceof Error ? err.message : String(err);
  const m = /KV \w+ failed: (\d{3}) (.*)$/s.exec(msg);
  if (m) {
    const status = Number(m[1]);
    const text = m[2]!.trim();
    if (status === 414) throw new CfApiError(414, { code: 10019, message: text });
    if (status === 413) throw new CfApiError(413, { code: 10011, message: text });
    throw new CfApiError(status, { code: 10001, message: text });
  }
  throw new CfApiError(500, { code: 10001, message: msg });
}

/** `metadata[a][b]=v` form fields (a multipart PUT's nested metadata) as an object. */
export function bracketFields(form: FormData, root: string): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  for (const [name, value] of form.entries()) {
    if (!name.startsWith(`${root}[`) || typeof value !== 'string') continue;
    const path = [...name.slice(root.length).matchAll(/\[([^\]]*)\]/g)].map((x) => x[1]!);
    out ??= {};
    let node: Record<string, unknown> = out;
    path.forEach((seg, i) => {
      if (i === path.length - 1) node[seg] = value;
      else node = (node[seg] ??= {}) as Record<string, unknown>;
    });
  }
  return out;
}

/** Miniflare's KV store for a namespace id. */
export async function kvOf(account: AccountModel, id: string) {
  return account.runtime.kv(id);
}
