import { ApplicationFailure } from '@temporalio/activity';
import type { z } from 'zod';
import { NOT_RETRYABLE } from '../core/failures.ts';
import { activeRecordSchema, kvKeys, versionsListSchema, type ActiveRecord, type VersionEntry } from '../core/kv-records.ts';
import type { Ctx } from './context.ts';

export interface KvArgs {
  accountId: string;
  kvNamespaceId: string;
  app: string;
}

/** Workers KV allows one write per second per key; a little margin on top. */
export const KV_WRITE_SPACING_MS = 1_100;
/** The most keys one KV bulk get may name. */
const BULK_GET_MAX = 100;

/** Reads and writes of one app's keys in the routes namespace. */
export class KvStore {
  constructor(
    private readonly ctx: Ctx,
    private readonly args: KvArgs,
  ) {
    ctx.checkAccount(args.accountId);
  }

  /** The raw value, or null when the key does not exist. */
  async get(key: string): Promise<string | null> {
    const { cf } = this.ctx;
    return this.ctx.find(`kv get ${key}`, async () => {
      const response = await cf.kv.namespaces.values.get(key, { account_id: this.args.accountId, namespace_id: this.args.kvNamespaceId });
      return response.text();
    });
  }

  async getJson<T>(key: string, schema: z.ZodType<T>): Promise<T | null> {
    return parseJson(key, await this.get(key), schema);
  }

  /**
   * Several keys in one request (KV bulk get, at most 100 keys): every step reads the app's
   * records together, since each API call counts against the token's 1,200 per 5 minutes.
   */
  async read(keys: string[]): Promise<KvSnapshot> {
    const unique = [...new Set(keys)];
    if (unique.length > BULK_GET_MAX) throw new Error(`KV bulk get takes at most ${BULK_GET_MAX} keys, got ${unique.length}`);
    const result = await this.ctx.call(`kv bulk get ${unique.join(', ')}`, () =>
      this.ctx.cf.kv.namespaces.bulkGet(this.args.kvNamespaceId, { account_id: this.args.accountId, keys: unique, type: 'text' }),
    );
    const values = (result?.values ?? {}) as Record<string, unknown>;
    const raw = new Map<string, string | null>();
    for (const key of unique) {
      const v = Object.hasOwn(values, key) ? values[key] : null;
      raw.set(key, typeof v === 'string' ? v : v === null || v === undefined ? null : JSON.stringify(v));
    }
    return new KvSnapshot(this.args.app, raw);
  }

  /** The app's live record and versions list, plus `extra` keys, in one request. */
  snapshot(...extra: string[]): Promise<KvSnapshot> {
    return this.read([kvKeys.active(this.args.app), kvKeys.versions(this.args.app), ...extra]);
  }

  /**
   * Writes several keys in one request (KV bulk write). Spacing per key as for `put`. One call,
   * not one per key: the flip writes the live record and the versions list together.
   */
  async putMany(entries: [key: string, value: string][]): Promise<void> {
    if (entries.length === 0) return;
    if (entries.length === 1) return this.put(entries[0]![0], entries[0]![1]);
    await this.spaceWrites(entries.map(([key]) => key));
    await this.ctx.call(`kv bulk put ${entries.map(([key]) => key).join(', ')}`, () =>
      this.ctx.cf.kv.namespaces.bulkUpdate(this.args.kvNamespaceId, { account_id: this.args.accountId, body: entries.map(([key, value]) => ({ key, value })) }),
    );
  }

  /** Waits until every key may be written again by this worker, then stamps them. */
  private async spaceWrites(keys: string[]): Promise<void> {
    const scoped = keys.map((key) => `${this.args.kvNamespaceId}/${key}`);
    const wait = Math.max(0, ...scoped.map((k) => (this.ctx.kvWrites.get(k) ?? 0) + KV_WRITE_SPACING_MS - Date.now()));
    if (wait > 0) await this.ctx.sleep(wait);
    if (this.ctx.kvWrites.size > 10_000) this.ctx.kvWrites.clear();
    const now = Date.now();
    for (const k of scoped) this.ctx.kvWrites.set(k, now);
  }

  /** One KV write (the API allows 1 write/s per key; a 429 comes back as RATE_LIMITED and is retried). */
  async put(key: string, value: string): Promise<void> {
    // Space writes to one key by this worker (the versions list is written by two steps in a row).
    await this.spaceWrites([key]);
    await this.ctx.call(`kv put ${key}`, () =>
      this.ctx.cf.kv.namespaces.values.update(key, { account_id: this.args.accountId, namespace_id: this.args.kvNamespaceId, value }),
    );
  }

  async delete(key: string): Promise<void> {
    await this.ctx.find(`kv delete ${key}`, () =>
      this.ctx.cf.kv.namespaces.values.delete(key, { account_id: this.args.accountId, namespace_id: this.args.kvNamespaceId }),
    );
  }

  active(): Promise<ActiveRecord | null> {
    return this.getJson(kvKeys.active(this.args.app), activeRecordSchema);
  }

  async versions(): Promise<VersionEntry[]> {
    return (await this.getJson(kvKeys.versions(this.args.app), versionsListSchema)) ?? [];
  }

  /** Writes the versions list only when `next` differs from `before` (KV writes are rationed). */
  async saveVersions(before: VersionEntry[], next: VersionEntry[]): Promise<void> {
    await this.putMany(versionsWrite(this.args.app, before, next));
  }
}

/** The versions list as a write for `putMany`, or nothing when it did not change. */
export function versionsWrite(app: string, before: VersionEntry[], next: VersionEntry[]): [string, string][] {
  return JSON.stringify(before) === JSON.stringify(next) ? [] : [[kvKeys.versions(app), JSON.stringify(next)]];
}

/** Parses a KV value as JSON of `schema`; a value of another shape is a non-retryable failure. */
function parseJson<T>(key: string, raw: string | null, schema: z.ZodType<T>): T | null {
  if (raw === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw ApplicationFailure.nonRetryable(`KV key ${key} does not hold JSON`, NOT_RETRYABLE.BAD_REQUEST);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`KV key ${key} holds an unexpected shape: ${parsed.error.issues[0]?.message}`, NOT_RETRYABLE.BAD_REQUEST);
  return parsed.data;
}

/** What one bulk read saw: raw values by key, and the app's records parsed on demand. */
export class KvSnapshot {
  constructor(
    private readonly app: string,
    private readonly values: Map<string, string | null>,
  ) {}

  /** The raw value; null when the key does not exist. Reading a key the snapshot did not fetch is a bug. */
  raw(key: string): string | null {
    if (!this.values.has(key)) throw new Error(`KV key ${key} was not part of this read`);
    return this.values.get(key)!;
  }

  json<T>(key: string, schema: z.ZodType<T>): T | null {
    return parseJson(key, this.raw(key), schema);
  }

  get active(): ActiveRecord | null {
    return this.json(kvKeys.active(this.app), activeRecordSchema);
  }

  get versions(): VersionEntry[] {
    return this.json(kvKeys.versions(this.app), versionsListSchema) ?? [];
  }
}

/** Sets one entry's state (and reason), stamping `updatedAt`; returns a new list. */
export function setState(list: VersionEntry[], version: string, state: VersionEntry['state'], at: string, reason?: string): VersionEntry[] {
  return list.map((e) => (e.version === version && (e.state !== state || (reason && e.reason !== reason)) ? { ...e, state, updatedAt: at, ...(reason ? { reason } : {}) } : e));
}

/**
 * Keeps at most `retention` entries, dropping the oldest first but never the live one, the
 * previous one (what a rollback goes back to) or `keep`.
 */
export function applyRetention(list: VersionEntry[], retention: number, protectedVersions: (string | null | undefined)[]): VersionEntry[] {
  const keep = new Set(protectedVersions.filter((v): v is string => Boolean(v)));
  for (const e of list) if (e.state === 'live') keep.add(e.version);
  const out = [...list];
  for (let i = 0; out.length > retention && i < out.length; ) {
    if (keep.has(out[i]!.version)) i += 1;
    else out.splice(i, 1);
  }
  return out;
}
