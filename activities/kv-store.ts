import { ApplicationFailure } from '@temporalio/activity';
import type { z } from 'zod';
import { NOT_RETRYABLE } from '../core/failures.ts';
import { activeRecordSchema, kvKeys, versionsListSchema, type ActiveRecord, type VersionEntry } from '../core/kv-records.ts';
import type { Ctx } from './context.ts';
import type { KvArgs } from './types.ts';

/** Workers KV allows one write per second per key; a little margin on top. */
export const KV_WRITE_SPACING_MS = 1_100;

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
    const raw = await this.get(key);
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

  /** One KV write (the API allows 1 write/s per key; a 429 comes back as RATE_LIMITED and is retried). */
  async put(key: string, value: string): Promise<void> {
    // Space writes to one key by this worker (the versions list is written by two steps in a row).
    const scoped = `${this.args.kvNamespaceId}/${key}`;
    const wait = (this.ctx.kvWrites.get(scoped) ?? 0) + KV_WRITE_SPACING_MS - Date.now();
    if (wait > 0) await this.ctx.sleep(wait);
    this.ctx.kvWrites.set(scoped, Date.now());
    if (this.ctx.kvWrites.size > 10_000) this.ctx.kvWrites.clear();
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
    if (JSON.stringify(before) === JSON.stringify(next)) return;
    await this.put(kvKeys.versions(this.args.app), JSON.stringify(next));
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
