import { ApplicationFailure } from '@temporalio/activity';
import { NOT_RETRYABLE } from '../core/failures.ts';
import { buildActiveRecord, kvKeys, type VersionEntry } from '../core/kv-records.ts';
import { metadataSchema, versionSchema, type Metadata } from '../core/metadata.ts';
import type { Ctx } from './context.ts';
import { deployLiveWorker } from './worker-deployments.ts';
import { KvStore, applyRetention, setState, versionsWrite, type KvSnapshot } from './kv-store.ts';
import type { KvArgs } from './kv-store.ts';
import type { DeploymentRef } from './pages.ts';

/** The version a deploy brings up, as its versions-list entry names it. */
export interface AnnounceVersionArgs extends KvArgs {
  version: string;
  deployment: DeploymentRef;
  /** How many versions the list keeps (the input's `versionsRetention`). */
  retention: number;
}

export interface WriteVersionArgs extends AnnounceVersionArgs {
  pagesProject: string;
  metadata: Metadata;
  /**
   * The alias targets name and the version's own host to pin them to. Absent: the Pages pair,
   * `<project>.pages.dev` → `<short_id>.<project>.pages.dev`. A Worker's is
   * `<script>.<subdomain>.workers.dev` → its version URL's host.
   */
  pin?: { alias: string; host: string };
}

export interface FlipArgs extends KvArgs {
  version: string;
  /** Hosts route targets may use (default: those of the live record). */
  allowedHosts?: string[];
  /** `workflow:deploy-<app>` or `rollback:<workflow id>`. */
  activatedBy: string;
  /** State the version that stops being live gets in the versions list. */
  previousState?: 'retired' | 'failed';
  reason?: string;
}

export interface RestoreActiveArgs extends KvArgs {
  /** The version this deploy made live (marked failed). */
  failedVersion: string;
  /** The version to make live again; null = the app was not live before: remove the record. */
  previousVersion: string | null;
  activatedBy: string;
  reason: string;
}

export interface MarkFailedArgs extends KvArgs {
  version: string;
  reason: string;
}

export interface ResolveRollbackArgs extends KvArgs {
  toVersion?: string;
}

/**
 * Rewrites targets on the production alias (`<project>.pages.dev`, or a Worker's
 * `<script>.<subdomain>.workers.dev`) to the version's own immutable host
 * (`<short_id>.<project>.pages.dev`, or the Worker version's URL). The alias always serves the
 * newest build; a pinned record keeps serving this version's bytes after a later deploy, which is
 * what makes a rollback (flipping back to an older record) actually serve the older version.
 */
export function pinTargets(metadata: Metadata, alias: string, pinnedHost: string): Metadata {
  const pin = (target: string) => {
    const url = new URL(target);
    if (url.hostname.toLowerCase() !== alias) return target;
    url.hostname = pinnedHost;
    // URL adds a trailing "/" to a bare origin; keep the author's spelling otherwise.
    return target.endsWith('/') || url.pathname !== '/' ? url.toString() : url.toString().replace(/\/$/, '');
  };
  const routes: Record<string, string> = Object.create(null);
  for (const [p, t] of Object.entries(metadata.routes)) routes[p] = pin(t);
  return { ...metadata, defaultTarget: pin(metadata.defaultTarget), routes: { ...routes } };
}

/** Canonical JSON of metadata: routes sorted, so equal content is byte-identical. */
export function canonicalMetadata(m: Metadata): string {
  const routes = Object.fromEntries(Object.entries(m.routes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify({ app: m.app, version: m.version, defaultTarget: m.defaultTarget, routes });
}

/** Step 5: the version's immutable keys (same content: no-op; different: VERSION_CONFLICT) and its list entry. One read, one write. */
export async function writeVersionKeys(ctx: Ctx, args: WriteVersionArgs): Promise<{ written: boolean }> {
  const kv = new KvStore(ctx, args);
  const { alias, host } = args.pin ?? { alias: `${args.pagesProject}.pages.dev`, host: `${args.deployment.shortId}.${args.pagesProject}.pages.dev` };
  const pinned = pinTargets(args.metadata, alias, host);
  const wanted: [string, string][] = [
    [kvKeys.routes(args.app, args.version), canonicalMetadata(pinned)],
    [kvKeys.defaultTarget(args.app, args.version), pinned.defaultTarget],
  ];
  const snap = await kv.snapshot(...wanted.map(([key]) => key));
  const writes: [string, string][] = [];
  let restored: string | undefined;
  for (const [key, value] of wanted) {
    const existing = snap.raw(key);
    if (existing === value) continue;
    if (existing !== null) {
      throw ApplicationFailure.nonRetryable(
        `${key} already holds different content: version ${args.version} of ${args.app} was deployed before with other metadata; deploy a new version`,
        NOT_RETRYABLE.VERSION_CONFLICT,
      );
    }
    writes.push([key, value]);
  }
  const before = snap.versions;
  const list = withPendingEntry(snap, args, ctx.now().toISOString());
  await kv.putMany([...writes, ...versionsWrite(args.app, before, list)]);
  return { written: writes.length > 0 };
}

/**
 * The versions list with `args.version` pending (added, or a failed one taken up again), pruned
 * to the retention count. Step 5 and the announcement before the domain step compute the same
 * list, so after an announcement step 5 leaves the list alone.
 */
function withPendingEntry(snap: KvSnapshot, args: AnnounceVersionArgs, at: string): VersionEntry[] {
  let list = snap.versions;
  const entry = list.find((e) => e.version === args.version);
  if (!entry) {
    list = [...list, { version: args.version, state: 'pending', createdAt: at, updatedAt: at, deploymentId: args.deployment.id, deploymentUrl: args.deployment.url }];
  } else if (entry.state === 'failed') {
    list = setState(list, args.version, 'pending', at);
  }
  const active = snap.active;
  return applyRetention(list, args.retention, [args.version, active?.version, active?.previousVersion]);
}

/**
 * Before the custom domain of an app with nothing live is attached: the version this deploy
 * brings up goes into the versions list as `pending`, with its deployment URL, so the router can
 * send the certificate authority's validation request there (router-worker/src/certificate-validation.ts).
 * One read, and one write unless the entry is already there.
 */
export async function announcePendingVersion(ctx: Ctx, args: AnnounceVersionArgs): Promise<{ announced: boolean }> {
  const kv = new KvStore(ctx, args);
  const snap = await kv.snapshot();
  const before = snap.versions;
  const list = withPendingEntry(snap, args, ctx.now().toISOString());
  const write = versionsWrite(args.app, before, list);
  await kv.putMany(write);
  return { announced: write.length > 0 };
}

/** Compensation of step 5: a version that never went live is marked failed (history is never deleted). */
export async function markVersionFailed(ctx: Ctx, args: MarkFailedArgs): Promise<void> {
  const kv = new KvStore(ctx, args);
  const before = await kv.versions();
  const entry = before.find((e) => e.version === args.version);
  if (!entry || entry.state !== 'pending') return;
  await kv.saveVersions(before, setState(before, args.version, 'failed', ctx.now().toISOString(), args.reason));
}

/**
 * What makes `version` live: its active record, built from its routes key (which `snap` must
 * hold), and `list` with it live and the version live before set to `previousState`.
 */
function activation(snap: KvSnapshot, list: VersionEntry[], args: FlipArgs, previousVersion: string | null, allowedHosts: string[], at: string) {
  const routesKey = kvKeys.routes(args.app, args.version);
  const raw = snap.json(routesKey, metadataSchema({ allowedHosts }));
  if (!raw) throw ApplicationFailure.nonRetryable(`${routesKey} does not exist`, NOT_RETRYABLE.NOT_FOUND);
  const record = buildActiveRecord({ metadata: raw, allowedHosts, previousVersion, activatedAt: at, activatedBy: args.activatedBy });
  const next = list.map((e): VersionEntry => (e.state === 'live' && e.version !== args.version ? { ...e, state: args.previousState ?? 'retired', updatedAt: at, ...(args.reason ? { reason: args.reason } : {}) } : e));
  return { write: [kvKeys.active(args.app), JSON.stringify(record)] as [string, string], list: setState(next, args.version, 'live', at), target: record.defaultTarget };
}

/**
 * Step 6: the flip, one read and one write (the live record and the versions list together).
 * A retry after the write landed sees itself live and keeps the real previous version.
 */
export async function flipActive(ctx: Ctx, args: FlipArgs): Promise<{ previousVersion: string | null }> {
  const kv = new KvStore(ctx, args);
  const snap = await kv.snapshot(kvKeys.routes(args.app, args.version));
  const current = snap.active;
  const previousVersion = current?.version === args.version ? current.previousVersion : (current?.version ?? null);
  const allowedHosts = args.allowedHosts ?? current?.allowedHosts;
  if (!allowedHosts) throw ApplicationFailure.nonRetryable(`no allowed hosts for ${args.app}: pass them on its first deploy`, NOT_RETRYABLE.INVALID_INPUT);
  const before = snap.versions;
  const { write, list, target } = activation(snap, before, args, previousVersion, allowedHosts, ctx.now().toISOString());
  await kv.putMany([write, ...versionsWrite(args.app, before, list)]);
  await deployLiveWorker(ctx, args.accountId, target, `${args.app}@${args.version}`);
  return { previousVersion };
}

/**
 * Compensation of step 6: if this deploy's version is live, flip back to the version live before
 * (or remove the record when the app was not live), and mark this version failed. A no-op when
 * the flip never landed or someone flipped elsewhere since.
 */
export async function restoreActive(ctx: Ctx, args: RestoreActiveArgs): Promise<void> {
  const kv = new KvStore(ctx, args);
  const snap = await kv.snapshot(...(args.previousVersion === null ? [] : [kvKeys.routes(args.app, args.previousVersion)]));
  const current = snap.active;
  const before = snap.versions;
  const at = ctx.now().toISOString();
  let list = before;
  const writes: [string, string][] = [];
  let restored: string | undefined;
  if (current?.version === args.failedVersion) {
    if (args.previousVersion === null) {
      await kv.delete(kvKeys.active(args.app));
    } else {
      const older = [...before].reverse().find((e) => e.version !== args.previousVersion && e.version !== args.failedVersion && e.state === 'retired');
      const flip = activation(snap, before, { ...args, version: args.previousVersion, previousState: 'failed', reason: args.reason }, older?.version ?? null, current.allowedHosts, at);
      writes.push(flip.write);
      list = flip.list;
      restored = flip.target;
    }
  }
  const entry = list.find((e) => e.version === args.failedVersion);
  if (entry && (entry.state === 'pending' || entry.state === 'live')) list = setState(list, args.failedVersion, 'failed', at, args.reason);
  await kv.putMany([...writes, ...versionsWrite(args.app, before, list)]);
  if (restored) await deployLiveWorker(ctx, args.accountId, restored, `${args.app}@${args.previousVersion}`);
}

/** For the manual rollback: the live version, and the target (named or previous) if it may go live. */
export async function resolveRollbackTarget(ctx: Ctx, args: ResolveRollbackArgs): Promise<{ fromVersion: string; toVersion: string }> {
  const kv = new KvStore(ctx, args);
  const snap = await kv.snapshot();
  const [current, list] = [snap.active, snap.versions];
  const invalid = (why: string) => ApplicationFailure.nonRetryable(why, NOT_RETRYABLE.ROLLBACK_TARGET_INVALID);
  if (args.toVersion !== undefined && !versionSchema.safeParse(args.toVersion).success) throw invalid(`"${args.toVersion}" is not a version id`);
  if (!current) throw invalid(`${args.app} is not live: nothing to roll back`);
  const target = args.toVersion ?? current.previousVersion ?? [...list].reverse().find((e) => e.state === 'retired' && e.version !== current.version)?.version;
  if (!target) throw invalid(`${args.app} has no previous version to roll back to`);
  if (target === current.version) throw invalid(`${target} is already live`);
  const entry = list.find((e) => e.version === target);
  if (!entry) throw invalid(`${args.app} has no version ${target} (known: ${list.map((e) => e.version).join(', ') || 'none'})`);
  if (entry.state === 'failed') throw invalid(`${target} is marked failed${entry.reason ? ` (${entry.reason})` : ''}; it cannot go live`);
  if ((await kv.get(kvKeys.routes(args.app, target))) === null) throw invalid(`${kvKeys.routes(args.app, target)} is missing`);
  return { fromVersion: current.version, toVersion: target };
}
