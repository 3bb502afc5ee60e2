import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ApplicationFailure } from '@temporalio/activity';
import { NOT_RETRYABLE } from '../core/failures.ts';
import type { WorkersSource } from '../core/deploy-input.ts';
import { kvNamespaceTitle, versionHost, WORKERS_BUNDLE_FILE, WORKERS_LIMITS, workersBundleSchema, type WorkersBundle } from '../core/workers-bundle.ts';
import { formatZodIssues } from '../core/metadata.ts';
import type { Ctx } from './context.ts';
import { heartbeat } from './context.ts';
import { buckets, collectAssets, type AssetFile } from './direct-upload.ts';
import { listItems, type NumberedPage } from './paging.ts';
import { servingVersions } from './worker-deployments.ts';
import type { TriggeredDeployment } from './pages.ts';

/** Arguments of {@link uploadWorkerVersion}. */
export interface WorkerUploadArgs {
  accountId: string;
  /** Where the bundle is and which Worker it becomes (how the hostname is routed does not matter here). */
  source: Omit<WorkersSource, 'routing'>;
  /** `nextdeploy <app>@<version>`, the version's `workers/message` annotation, so a retry finds it. */
  marker: string;
  /** The app's version, the version's `workers/tag`. */
  version: string;
}

/** What the upload sent, for the progress line and the benchmark. */
export interface WorkerUploadStats {
  assets: number;
  assetsUploaded: number;
  bytesUploaded: number;
}

const MODULE_CONTENT_TYPES: Record<WorkersBundle['modules'][number]['type'], string> = {
  esm: 'application/javascript+module',
  commonjs: 'application/javascript',
  'compiled-wasm': 'application/wasm',
  text: 'text/plain',
  data: 'application/octet-stream',
  'source-map': 'application/source-map',
};

const invalid = (message: string) => ApplicationFailure.nonRetryable(message, NOT_RETRYABLE.INVALID_INPUT);

/** Reads and checks the bundle folder before anything is sent: a bad build changes nothing in Cloudflare. */
export async function readWorkersBundle(dir: string): Promise<{ bundle: WorkersBundle; modules: { name: string; type: string; content: Buffer }[]; assets: AssetFile[] }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path.join(dir, WORKERS_BUNDLE_FILE), 'utf8'));
  } catch (err) {
    throw invalid(`${dir} holds no readable ${WORKERS_BUNDLE_FILE} (${(err as Error).message}); build the app with \`npm run start-deploy\` (it bundles the Worker) or point source.path at a bundle folder`);
  }
  const parsed = workersBundleSchema.safeParse(raw);
  if (!parsed.success) throw invalid(`${WORKERS_BUNDLE_FILE}: ${formatZodIssues(parsed.error).join('; ')}`);
  const bundle = parsed.data;
  const modules = [];
  let total = 0;
  for (const m of bundle.modules) {
    const content = await readFile(path.join(dir, m.name)).catch(() => {
      throw invalid(`${WORKERS_BUNDLE_FILE}: module ${m.name} is missing from ${dir}; rebuild the app`);
    });
    total += content.length;
    modules.push({ name: m.name, type: m.type, content });
  }
  if (total > WORKERS_LIMITS.scriptBytes) {
    throw invalid(`the Worker's modules are ${total} bytes; Cloudflare's limit is ${WORKERS_LIMITS.scriptBytes} uncompressed: move large data to assets, KV or R2`);
  }
  // Cloudflare measures the paid plan's 10 MiB limit compressed.
  const gzipped = gzipSync(Buffer.concat(modules.map((m) => m.content))).length;
  if (gzipped > WORKERS_LIMITS.scriptGzipBytes) {
    throw invalid(`the Worker's modules are ${gzipped} bytes gzipped; Cloudflare's limit is ${WORKERS_LIMITS.scriptGzipBytes} (10 MiB) compressed: split off large dependencies or move data to assets, KV or R2`);
  }
  let assets: AssetFile[] = [];
  if (bundle.assetsDir) {
    const assetsDir = path.join(dir, bundle.assetsDir);
    if (!(await stat(assetsDir).then((s) => s.isDirectory(), () => false))) throw invalid(`${WORKERS_BUNDLE_FILE}: assetsDir ${bundle.assetsDir} is not a folder in ${dir}`);
    assets = await collectAssets(assetsDir, () => heartbeat());
    if (assets.length > WORKERS_LIMITS.assetFiles) {
      throw invalid(`${assets.length} asset files; a Worker version may have at most ${WORKERS_LIMITS.assetFiles}: drop files from ${bundle.assetsDir} or list them in .assetsignore`);
    }
  }
  return { bundle, modules, assets };
}

interface VersionLike {
  id: string;
  annotations?: Record<string, string | undefined>;
}

/** The version an earlier attempt uploaded (it carries the marker); null when there is none or no script yet. */
async function findVersion(ctx: Ctx, args: WorkerUploadArgs): Promise<VersionLike | null | 'no-script'> {
  const { script } = args.source;
  const marked = (v: VersionLike) => ((v as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations ?? v.annotations)?.['workers/message'] === args.marker;
  try {
    return await ctx.call(`workers.scripts.versions.list ${script}`, async () => {
      const versions = ctx.cf.workers.scripts.versions.list(script, { account_id: args.accountId, per_page: 100 }) as unknown as PromiseLike<NumberedPage<VersionLike>>;
      for await (const v of listItems(versions)) if (marked(v)) return v;
      return null;
    });
  } catch (err) {
    if (err instanceof ApplicationFailure && err.type === NOT_RETRYABLE.NOT_FOUND) return 'no-script';
    throw err;
  }
}

/**
 * The Workers row's trigger: a new version of the app's Worker, at most once per (app, version).
 * Assets first (upload session with the manifest, the missing buckets with the session's JWT,
 * the completion token), then the version with its modules, bindings and the assets token. The
 * first version of a Worker is a script upload (the versions API refuses a Worker that does not
 * exist yet). The version is not deployed: the router sends traffic to its version URL.
 */
export async function uploadWorkerVersion(ctx: Ctx, args: WorkerUploadArgs): Promise<TriggeredDeployment & { stats?: WorkerUploadStats }> {
  ctx.checkAccount(args.accountId);
  const { script, subdomain } = args.source;
  const { bundle, modules, assets } = await readWorkersBundle(args.source.path);
  await checkSubdomain(ctx, args.accountId, subdomain);

  const existing = await findVersion(ctx, args);
  if (existing && existing !== 'no-script') {
    ctx.log('found the version an earlier attempt uploaded', { versionId: existing.id });
    // The attempt may have died between its upload and turning previews on.
    await ensurePreviews(ctx, args.accountId, script);
    return versionRef(existing.id, script, subdomain, true);
  }

  const stats: WorkerUploadStats = { assets: assets.length, assetsUploaded: 0, bytesUploaded: 0 };
  const completionJwt = assets.length > 0 ? await uploadAssets(ctx, args.accountId, script, assets, stats) : null;
  const kvBindings = [];
  for (const kv of bundle.kvNamespaces) {
    kvBindings.push({ type: 'kv_namespace', name: kv.binding, namespace_id: kv.id ?? (await ensureKvNamespace(ctx, args.accountId, kvNamespaceTitle(script, kv.binding))) });
  }
  // Every version knows which one it is at run time, so one build can serve many versions.
  const vars = { ...bundle.vars, NEXTDEPLOY_VERSION: args.version };
  const bindings: Record<string, unknown>[] = [
    ...Object.entries(vars).map(([name, text]) => ({ type: 'plain_text', name, text })),
    ...kvBindings,
    ...(bundle.assetsBinding && completionJwt ? [{ type: 'assets', name: bundle.assetsBinding }] : []),
  ];
  const metadata = {
    main_module: bundle.mainModule,
    compatibility_date: bundle.compatibilityDate,
    compatibility_flags: bundle.compatibilityFlags,
    bindings,
    ...(completionJwt ? { assets: { jwt: completionJwt, config: bundle.assetsConfig } } : {}),
  };
  stats.bytesUploaded += modules.reduce((n, m) => n + m.content.length, 0);
  // The SDK's scripts.update and versions.create flatten `metadata` in their multipart bodies
  // (CLOUDFLARE-NOTES.md): the form is built here and sent through the client's own put/post.
  const form = (meta: object) => {
    const f = new FormData();
    f.append('metadata', JSON.stringify(meta));
    for (const m of modules) f.append(m.name, new File([m.content], m.name, { type: MODULE_CONTENT_TYPES[m.type as keyof typeof MODULE_CONTENT_TYPES] }));
    return f;
  };
  const base = `/accounts/${args.accountId}/workers/scripts/${script}`;
  let versionId: string;
  const annotations = { 'workers/message': args.marker, 'workers/tag': args.version };
  if (existing === 'no-script') {
    // The script upload carries the same annotations (as `wrangler deploy --message` sends them), so a retry finds it too.
    await ctx.call(`workers.scripts.update ${script}`, () => ctx.cf.put(base, { body: form({ ...metadata, annotations }) }));
    versionId = await deployedVersion(ctx, args.accountId, script);
  } else {
    const created = (await ctx.call(`workers.scripts.versions.create ${script}`, () =>
      ctx.cf.post(`${base}/versions`, { body: form({ ...metadata, annotations }) }),
    )) as { result?: { id?: string }; id?: string };
    versionId = (created.result?.id ?? created.id)!;
  }
  await ensurePreviews(ctx, args.accountId, script);
  ctx.log('worker version uploaded', { script, versionId, ...stats });
  return { ...versionRef(versionId, script, subdomain, false), stats };
}

function versionRef(id: string, script: string, subdomain: string, reused: boolean): TriggeredDeployment {
  const host = versionHost(id, script, subdomain);
  return { id, shortId: host.split('-')[0]!, url: `https://${host}`, reused };
}

async function checkSubdomain(ctx: Ctx, accountId: string, subdomain: string): Promise<void> {
  const got = await ctx.remember(`workers subdomain ${accountId}`, () =>
    ctx.call('workers.subdomains.get', () => ctx.cf.workers.subdomains.get({ account_id: accountId })),
  );
  if (got.subdomain !== subdomain) {
    throw invalid(`source.subdomain is "${subdomain}" but the account's workers.dev subdomain is "${got.subdomain}"; the version URLs live under the account's`);
  }
}

/** The version the script's deployment serves (after a script upload, the one it just made). */
async function deployedVersion(ctx: Ctx, accountId: string, script: string): Promise<string> {
  const serving = await servingVersions(ctx, accountId, script);
  const newest = serving.find((v) => v.percentage === 100) ?? serving[0];
  if (!newest) throw ApplicationFailure.create({ type: NOT_RETRYABLE.CLOUDFLARE_ERROR, message: `script ${script} was uploaded but has no deployment`, nonRetryable: false });
  return newest.version_id;
}

/** The upload session with the manifest; the buckets it asks for; the completion token. */
async function uploadAssets(ctx: Ctx, accountId: string, script: string, assets: AssetFile[], stats: WorkerUploadStats): Promise<string> {
  const manifest: Record<string, { hash: string; size: number }> = Object.create(null);
  for (const a of assets) manifest[a.manifestPath] = { hash: a.hash, size: a.size };
  const session = await ctx.call(`workers.scripts.assets.upload.create ${script}`, () =>
    ctx.cf.workers.scripts.assets.upload.create(script, { account_id: accountId, manifest }),
  );
  const byHash = new Map(assets.map((a) => [a.hash, a]));
  let jwt = session.jwt!;
  const wanted = (session.buckets ?? []).flat().map((h) => byHash.get(h)!).filter(Boolean);
  // Cloudflare's buckets are its own; regroup within its request limits, one upload per group.
  for (const group of buckets(wanted)) {
    const body: Record<string, string> = Object.create(null);
    for (const a of group) {
      const content = await readFile(a.absolutePath);
      body[a.hash] = content.toString('base64');
      stats.bytesUploaded += content.length;
    }
    const answer = await ctx.call(`workers.assets.upload (${group.length} files)`, () =>
      ctx.cf.workers.assets.upload.create({ account_id: accountId, base64: true, body }, { headers: { authorization: `Bearer ${session.jwt}` } }),
    );
    stats.assetsUploaded += group.length;
    if (answer.jwt) jwt = answer.jwt;
    heartbeat();
  }
  return jwt;
}

/** The namespace titled `title` (a binding's own, made on the first deploy and kept after). */
async function ensureKvNamespace(ctx: Ctx, accountId: string, title: string): Promise<string> {
  const found = await ctx.call('kv.namespaces.list', async () => {
    for await (const ns of listItems(ctx.cf.kv.namespaces.list({ account_id: accountId, per_page: 100 }))) if (ns.title === title) return ns.id;
    return null;
  });
  if (found) return found;
  const made = await ctx.call(`kv.namespaces.create ${title}`, () => ctx.cf.kv.namespaces.create({ account_id: accountId, title }));
  ctx.log('made a KV namespace for a binding of the Worker', { title, id: made.id });
  return made.id;
}

/** Version URLs answer only with previews on; the script's own workers.dev URL stays as it is (off for a new script). */
async function ensurePreviews(ctx: Ctx, accountId: string, script: string): Promise<void> {
  const now = await ctx.call(`workers.scripts.subdomain.get ${script}`, () => ctx.cf.workers.scripts.subdomain.get(script, { account_id: accountId }));
  if (now.previews_enabled) return;
  await ctx.call(`workers.scripts.subdomain.create ${script}`, () =>
    ctx.cf.workers.scripts.subdomain.create(script, { account_id: accountId, enabled: now.enabled, previews_enabled: true }),
  );
}
