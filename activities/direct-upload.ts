import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import Cloudflare, { toFile } from 'cloudflare';
import { hash } from 'blake3-wasm';
import { NOT_RETRYABLE } from '../core/failures.ts';
import type { Ctx } from './context.ts';
import { heartbeat } from './context.ts';
import { CF_CODES, cloudflareCode } from './errors.ts';

/** Per-request options of an SDK call (the SDK does not export the type). */
type RequestOptions = NonNullable<Parameters<Cloudflare['pages']['assets']['upsertHashes']>[1]>;

/** Bucket limits of `POST /pages/assets/upload` (as wrangler uses them). */
export const BUCKET_MAX_BYTES = 40 * 1024 * 1024;
export const BUCKET_MAX_FILES = 2000;
/** Pages rejects single assets above 25 MiB. */
const MAX_FILE_BYTES = 25 * 1024 * 1024;

/** Files Pages reads as deployment settings, sent as form fields instead of assets. */
const SPECIAL_FILES = ['_headers', '_redirects', '_routes.json', '_worker.js'] as const;
const IGNORED = new Set(['node_modules', '.git', '.DS_Store', '.wrangler', 'functions']);

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html', htm: 'text/html', css: 'text/css', js: 'application/javascript', mjs: 'application/javascript',
  json: 'application/json', txt: 'text/plain', xml: 'application/xml', svg: 'image/svg+xml', png: 'image/png',
  jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', avif: 'image/avif', ico: 'image/x-icon',
  woff: 'font/woff', woff2: 'font/woff2', ttf: 'font/ttf', map: 'application/json', wasm: 'application/wasm', webmanifest: 'application/manifest+json',
};

/** One file of the build folder. */
export interface AssetFile {
  /** Manifest path: `/` + the path inside the folder, forward slashes. */
  manifestPath: string;
  absolutePath: string;
  size: number;
  hash: string;
  contentType: string;
}

function extensionOf(file: string): string {
  const base = path.basename(file);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1) : '';
}

/** Pages asset hash, as wrangler computes it: first 32 hex of blake3(base64(content) + extension without the dot). */
export function assetHash(content: Buffer, filename: string): string {
  return hash(content.toString('base64') + extensionOf(filename)).toString('hex').slice(0, 32);
}

/** Every asset under `dir` (settings files and tooling folders excluded), hashed. */
export async function collectAssets(dir: string, onFile: () => void = () => {}): Promise<AssetFile[]> {
  const out: AssetFile[] = [];
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      if (IGNORED.has(entry.name)) continue;
      const abs = path.join(current, entry.name);
      const rel = path.relative(dir, abs).split(path.sep).join('/');
      if (entry.isDirectory()) {
        await walk(abs);
        continue;
      }
      if (!entry.isFile() || (SPECIAL_FILES as readonly string[]).includes(rel)) continue;
      onFile();
      const content = await readFile(abs);
      if (content.length > MAX_FILE_BYTES) {
        throw ApplicationFailure.nonRetryable(`${rel} is ${content.length} bytes; Pages assets are limited to 25 MiB`, NOT_RETRYABLE.INVALID_INPUT);
      }
      out.push({
        manifestPath: `/${rel}`,
        absolutePath: abs,
        size: content.length,
        hash: assetHash(content, entry.name),
        contentType: CONTENT_TYPES[extensionOf(entry.name).toLowerCase()] ?? 'application/octet-stream',
      });
    }
  };
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw ApplicationFailure.nonRetryable(`build folder ${dir} is not a readable directory on the worker`, NOT_RETRYABLE.INVALID_INPUT);
  }
  await walk(dir);
  return out.sort((a, b) => (a.manifestPath < b.manifestPath ? -1 : 1));
}

/** Groups files into upload buckets of at most {@link BUCKET_MAX_BYTES} (base64 inflates by 4/3) and {@link BUCKET_MAX_FILES}. */
export function buckets(files: AssetFile[]): AssetFile[][] {
  const result: AssetFile[][] = [];
  let current: AssetFile[] = [];
  let bytes = 0;
  for (const f of files) {
    const encoded = Math.ceil(f.size / 3) * 4;
    if (current.length > 0 && (current.length >= BUCKET_MAX_FILES || bytes + encoded > BUCKET_MAX_BYTES)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(f);
    bytes += encoded;
  }
  if (current.length > 0) result.push(current);
  return result;
}

interface UploadArgs {
  accountId: string;
  pagesProject: string;
  dir: string;
  branch: string;
  marker: string;
}

/** Upload progress in heartbeat details, so a retried attempt skips what an earlier one sent. */
interface UploadHeartbeat {
  uploaded: string[];
}

/**
 * Direct Upload (what `wrangler pages deploy` does): upload JWT → hash → check-missing → upload
 * in buckets (fresh JWT on 8000013) → upsert-hashes → create the deployment from the manifest.
 */
export async function directUpload(ctx: Ctx, args: UploadArgs): Promise<unknown> {
  let previous: UploadHeartbeat | undefined;
  try {
    previous = Context.current().info.heartbeatDetails as UploadHeartbeat | undefined;
  } catch {
    previous = undefined;
  }
  const uploaded = new Set<string>(Array.isArray(previous?.uploaded) ? previous.uploaded : []);
  // Hashing a large build takes a while: keep heartbeating (the SDK throttles), keeping the progress.
  const files = await collectAssets(args.dir, () => heartbeat({ uploaded: [...uploaded] } satisfies UploadHeartbeat));
  const manifest: Record<string, string> = Object.create(null);
  for (const f of files) manifest[f.manifestPath] = f.hash;
  const byHash = new Map(files.map((f) => [f.hash, f]));

  // The assets endpoints take the upload JWT as bearer instead of the API token: a per-request
  // header, not a client of its own (building a client costs more than the request).
  const freshJwt = async (): Promise<RequestOptions> => {
    const { jwt } = await ctx.call(`pages.projects.getUploadToken ${args.pagesProject}`, () =>
      ctx.cf.pages.projects.getUploadToken(args.pagesProject, { account_id: args.accountId }),
    );
    return { headers: { authorization: `Bearer ${jwt}` } };
  };
  let bearer = await freshJwt();
  const withJwt = async <T>(what: string, fn: (c: Cloudflare, options: RequestOptions) => Promise<T>): Promise<T> => {
    try {
      return await fn(ctx.cf, bearer);
    } catch (err) {
      if (cloudflareCode(err) !== CF_CODES.PAGES_UPLOAD_JWT_EXPIRED) return ctx.call(what, () => Promise.reject(err));
      bearer = await freshJwt();
      return ctx.call(what, () => fn(ctx.cf, bearer));
    }
  };

  const hashes = [...byHash.keys()];
  const missing = await withJwt('pages.assets.checkMissing', async (c, o) => {
    const out: string[] = [];
    for await (const h of c.pages.assets.checkMissing({ hashes }, o)) out.push(h as string);
    return out;
  });
  const toSend = missing.filter((h) => !uploaded.has(h)).map((h) => byHash.get(h)!).filter(Boolean);
  ctx.log('direct upload', { files: files.length, missing: missing.length, sending: toSend.length, resumed: uploaded.size });
  heartbeat({ uploaded: [...uploaded] } satisfies UploadHeartbeat);

  for (const bucket of buckets(toSend)) {
    const body = await Promise.all(
      bucket.map(async (f) => ({ key: f.hash, value: (await readFile(f.absolutePath)).toString('base64'), base64: true, metadata: { contentType: f.contentType } })),
    );
    await withJwt(`pages.assets.upload (${bucket.length} files)`, (c, o) => c.pages.assets.upload({ body }, o));
    for (const f of bucket) uploaded.add(f.hash);
    heartbeat({ uploaded: [...uploaded] } satisfies UploadHeartbeat);
  }
  await withJwt('pages.assets.upsertHashes', (c, o) => c.pages.assets.upsertHashes({ hashes }, o));

  const extras: Record<string, Awaited<ReturnType<typeof toFile>>> = {};
  for (const name of SPECIAL_FILES) {
    try {
      extras[name] = await toFile(await readFile(path.join(args.dir, name)), name);
    } catch {
      // absent: nothing to send
    }
  }
  return ctx.call(`pages.projects.deployments.create ${args.pagesProject}`, () =>
    ctx.cf.pages.projects.deployments.create(args.pagesProject, {
      account_id: args.accountId,
      branch: args.branch,
      manifest: JSON.stringify(manifest),
      commit_message: args.marker,
      commit_dirty: 'false',
      ...extras,
    }),
  );
}
