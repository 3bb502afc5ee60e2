// Retention: prune old Pages deployments and old versions' KV keys of one app, never what the
// live or previous version needs. Planned by one activity (reads only), carried out by two
// (each re-reads the live record right before deleting, so a plan that went stale while it
// waited can never delete what became live since).
import { kvKeys, type ActiveRecord, type VersionEntry } from '../core/kv-records.ts';
import type { Ctx } from './context.ts';
import { heartbeat } from './context.ts';
import { cloudflareCode, classifyError } from './errors.ts';
import { KvStore } from './kv-store.ts';
import type { KvArgs } from './kv-store.ts';

/** Retention of one app: `keep` newest versions and deployments, plus everything live/previous need. */
export interface RetentionArgs extends KvArgs {
  pagesProject: string;
  keep: number;
  /** Deployments (and their versions) younger than this are never pruned: a deploy may be using them. */
  minAgeMs: number;
  /** Cap per run on each kind of deletion (the API budget is shared with deploys). */
  maxDeletions: number;
}

/** What `planRetention` decided; nothing is deleted yet. */
export interface RetentionPlan {
  live: string | null;
  previous: string | null;
  keptVersions: string[];
  /** Versions whose list entry and KV keys go. */
  pruneVersions: string[];
  /** Deployments that go, oldest first. */
  pruneDeployments: { id: string; shortId: string; version: string | null; createdOn: string }[];
}

export interface PruneVersionsArgs extends KvArgs {
  versions: string[];
}

export interface PruneDeploymentsArgs extends KvArgs {
  pagesProject: string;
  deployments: RetentionPlan['pruneDeployments'];
}

export interface PruneResult {
  deleted: string[];
  skipped: { id: string; why: string }[];
}

/** "You cannot delete the latest production deployment" (cf-local/errors.ts, Pages API). */
const PAGES_CANNOT_DELETE_LIVE = 8000034;

interface DeploymentLike {
  id: string;
  short_id: string;
  created_on: string;
  deployment_trigger?: { metadata?: { commit_message?: string } };
}

/** `nextdeploy <app>@<version>` (see deploymentMarker) → [app, version]. */
function markerOf(d: DeploymentLike): [string, string] | null {
  const m = /^nextdeploy ([a-z0-9-]+)@([A-Za-z0-9._-]+)$/.exec(d.deployment_trigger?.metadata?.commit_message ?? '');
  return m ? [m[1]!, m[2]!] : null;
}

/** Every `<short_id>` of `https://<short_id>.<project>.pages.dev` targets in a record. */
function pinnedShortIds(targets: string[], project: string, into: Set<string>): void {
  const suffix = `.${project}.pages.dev`;
  for (const t of targets) {
    try {
      const host = new URL(t).hostname.toLowerCase();
      if (host.endsWith(suffix)) into.add(host.slice(0, -suffix.length));
    } catch {
      // not a URL: nothing to protect
    }
  }
}

function targetsOfRaw(raw: string | null): string[] {
  if (!raw) return [];
  try {
    const m = JSON.parse(raw) as { defaultTarget?: unknown; routes?: unknown };
    const routes = m.routes && typeof m.routes === 'object' ? Object.values(m.routes as Record<string, unknown>) : [];
    return [m.defaultTarget, ...routes].filter((t): t is string => typeof t === 'string');
  } catch {
    return [];
  }
}

/** What live and previous pin: versions, deployment ids and short ids nobody may delete. */
async function protectedSet(kv: KvStore, args: { app: string; pagesProject: string }, active: ActiveRecord | null, list: VersionEntry[]) {
  const versions = new Set<string>();
  const deploymentIds = new Set<string>();
  const shortIds = new Set<string>();
  if (active) {
    versions.add(active.version);
    pinnedShortIds([active.defaultTarget, ...active.routes.map(([, t]) => t)], args.pagesProject, shortIds);
    if (active.previousVersion) {
      versions.add(active.previousVersion);
      pinnedShortIds(targetsOfRaw(await kv.get(kvKeys.routes(args.app, active.previousVersion))), args.pagesProject, shortIds);
    }
  }
  for (const e of list) if (e.state === 'live') versions.add(e.version);
  for (const e of list) if (versions.has(e.version) && e.deploymentId) deploymentIds.add(e.deploymentId);
  return { versions, deploymentIds, shortIds };
}

async function listDeployments(ctx: Ctx, args: RetentionArgs): Promise<DeploymentLike[]> {
  return ctx.call(`pages.projects.deployments.list ${args.pagesProject}`, async () => {
    const out: DeploymentLike[] = [];
    for await (const d of ctx.cf.pages.projects.deployments.list(args.pagesProject, { account_id: args.accountId }) as AsyncIterable<DeploymentLike>) {
      out.push(d);
    }
    return out;
  });
}

async function versionsWithKeys(ctx: Ctx, args: RetentionArgs): Promise<Set<string>> {
  const found = new Set<string>();
  for (const kind of ['routes', 'default'] as const) {
    const prefix = `${args.app}:${kind}:`;
    await ctx.call(`kv keys list ${prefix}`, async () => {
      for await (const k of ctx.cf.kv.namespaces.keys.list(args.kvNamespaceId, { account_id: args.accountId, prefix })) found.add(k.name.slice(prefix.length));
    });
  }
  return found;
}

/**
 * Reads everything and decides, deleting nothing. Versions: the newest `keep` entries of the
 * versions list stay, and so do live, previous, pending ones (a deploy in flight), any version
 * whose deployment live/previous route to, and any whose deployment is younger than `minAgeMs`
 * (a deploy between trigger and kv-write); older entries, and keys of versions the list already
 * dropped, go. Deployments: the newest `keep` stay, and every one of a kept version, every one
 * live/previous route to, every one younger than `minAgeMs`, every one another app's marker names.
 */
export async function planRetention(ctx: Ctx, args: RetentionArgs): Promise<RetentionPlan> {
  const kv = new KvStore(ctx, args);
  const snap = await kv.snapshot();
  const [active, list] = [snap.active, snap.versions];
  const pinned = await protectedSet(kv, args, active, list);
  const deployments = (await listDeployments(ctx, args)).sort((a, b) => Date.parse(b.created_on) - Date.parse(a.created_on));
  const keyed = await versionsWithKeys(ctx, args);
  const now = ctx.now().getTime();
  const young = (d: DeploymentLike) => now - Date.parse(d.created_on) < args.minAgeMs;
  const byId = new Map(deployments.map((d) => [d.id, d]));
  const deploymentOfVersion = new Map<string, DeploymentLike>();
  for (const d of deployments) {
    const marker = markerOf(d);
    if (marker && marker[0] === args.app && !deploymentOfVersion.has(marker[1])) deploymentOfVersion.set(marker[1], d);
  }
  for (const e of list) {
    const d = e.deploymentId ? byId.get(e.deploymentId) : undefined;
    if (d) deploymentOfVersion.set(e.version, d);
  }
  const isProtected = (version: string): boolean => {
    if (pinned.versions.has(version)) return true;
    const d = deploymentOfVersion.get(version);
    return Boolean(d && (young(d) || pinned.deploymentIds.has(d.id) || pinned.shortIds.has(d.short_id)));
  };

  const kept = new Set<string>();
  list.forEach((e, i) => {
    if (i >= list.length - args.keep || e.state === 'pending' || isProtected(e.version)) kept.add(e.version);
  });
  const inList = new Set(list.map((e) => e.version));
  const pruneVersions = [...list.map((e) => e.version).filter((v) => !kept.has(v)), ...[...keyed].filter((v) => !inList.has(v) && !isProtected(v)).sort()];
  for (const v of keyed) if (!pruneVersions.includes(v)) kept.add(v);

  const pruneDeployments: RetentionPlan['pruneDeployments'] = [];
  deployments.forEach((d, i) => {
    const marker = markerOf(d);
    const version = marker?.[0] === args.app ? marker[1] : (list.find((e) => e.deploymentId === d.id)?.version ?? null);
    const keep =
      i < args.keep ||
      young(d) ||
      pinned.deploymentIds.has(d.id) ||
      pinned.shortIds.has(d.short_id) ||
      (marker !== null && marker[0] !== args.app) ||
      (version !== null && kept.has(version));
    if (!keep) pruneDeployments.push({ id: d.id, shortId: d.short_id, version, createdOn: d.created_on });
  });
  return {
    live: active?.version ?? null,
    previous: active?.previousVersion ?? null,
    keptVersions: [...kept],
    pruneVersions: pruneVersions.slice(0, args.maxDeletions),
    pruneDeployments: pruneDeployments.reverse().slice(0, args.maxDeletions),
  };
}

/** Drops versions from the list, then deletes their keys (one bulk call). Live/previous are skipped even if asked. */
export async function pruneVersions(ctx: Ctx, args: PruneVersionsArgs): Promise<PruneResult> {
  const kv = new KvStore(ctx, args);
  const snap = await kv.snapshot();
  const [active, before] = [snap.active, snap.versions];
  const live = new Set([active?.version, active?.previousVersion, ...before.filter((e) => e.state === 'live').map((e) => e.version)]);
  const skipped = args.versions.filter((v) => live.has(v)).map((v) => ({ id: v, why: 'live or previous version' }));
  const doomed = new Set(args.versions.filter((v) => !live.has(v)));
  // The list first: a list entry without keys would offer a rollback target that cannot work.
  await kv.saveVersions(before, before.filter((e) => !doomed.has(e.version)));
  const keys = [...doomed].flatMap((v) => [kvKeys.routes(args.app, v), kvKeys.defaultTarget(args.app, v)]);
  for (let i = 0; i < keys.length; i += 1_000) {
    const batch = keys.slice(i, i + 1_000);
    await ctx.call(`kv bulk delete ${batch.length} keys of ${args.app}`, () =>
      ctx.cf.kv.namespaces.bulkDelete(args.kvNamespaceId, { account_id: args.accountId, body: batch }),
    );
    heartbeat(i);
  }
  return { deleted: [...doomed], skipped };
}

/**
 * Deletes Pages deployments, re-checking against the live record right before; the latest
 * production deployment (which the API refuses to delete without `force`) is skipped, never forced.
 */
export async function pruneDeployments(ctx: Ctx, args: PruneDeploymentsArgs): Promise<PruneResult> {
  const kv = new KvStore(ctx, args);
  const snap = await kv.snapshot();
  const [active, list] = [snap.active, snap.versions];
  const pinned = await protectedSet(kv, args, active, list);
  const deleted: string[] = [];
  const skipped: PruneResult['skipped'] = [];
  for (const d of args.deployments) {
    heartbeat(d.id);
    if (pinned.deploymentIds.has(d.id) || pinned.shortIds.has(d.shortId) || (d.version !== null && pinned.versions.has(d.version))) {
      skipped.push({ id: d.id, why: 'live or previous version routes to it' });
      continue;
    }
    try {
      await ctx.cf.pages.projects.deployments.delete(d.id, { account_id: args.accountId, project_name: args.pagesProject });
      deleted.push(d.id);
    } catch (err) {
      if (cloudflareCode(err) === PAGES_CANNOT_DELETE_LIVE) skipped.push({ id: d.id, why: 'latest production deployment' });
      else if ((err as { status?: number }).status === 404) deleted.push(d.id);
      else throw classifyError(err, `pages.projects.deployments.delete ${d.id}`, [ctx.cf.apiToken ?? '']);
    }
  }
  return { deleted, skipped };
}
