import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { hash as blake3 } from 'blake3-wasm';
import ignore from 'ignore';
import { mib, WORKERS_BUILD_FAILURES, WORKERS_LIMITS, WorkersBuildError, type WorkersPlan } from './failures.ts';

/** One asset as the Workers assets upload session expects it: content hash and size in bytes. */
export interface AssetEntry {
  hash: string;
  size: number;
}

/** `"/path"` → {@link AssetEntry}, the manifest `POST .../workers/scripts/{name}/assets-upload-session` takes. */
export type AssetsManifest = Record<string, AssetEntry>;

/**
 * The hash wrangler gives a file (deploy-helpers/src/deploy/helpers/hash.ts, the same rule as
 * Pages Direct Upload): blake3 of the base64 content followed by the extension without its dot,
 * first 32 hex digits. The edge dedupes uploads by it, so it must match byte for byte.
 */
export function hashAsset(content: Buffer, filePath: string): string {
  const extension = path.extname(filePath).slice(1);
  return blake3(content.toString('base64') + extension).toString('hex').slice(0, 32);
}

// Never uploaded as assets: wrangler reads `_headers` and `_redirects` into the assets config
// and skips `.assetsignore` (workers-shared/utils/helpers.ts createAssetsIgnoreFunction).
const META_FILES = ['/.assetsignore', '/_redirects', '/_headers'];

function walk(dir: string, rel = ''): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...walk(dir, child));
    else if (entry.isFile()) files.push(child); // symlinks are skipped, as wrangler does
  }
  return files;
}

/**
 * The assets manifest of `dir`, with wrangler's ignore rules (the meta files above and
 * `.assetsignore`, gitignore syntax). Refuses an asset over 25 MiB or more files than the plan
 * allows before hashing anything big.
 */
export function buildAssetsManifest(dir: string, plan: WorkersPlan = 'free'): AssetsManifest {
  const limits = WORKERS_LIMITS[plan];
  const ignoreFile = path.join(dir, '.assetsignore');
  const matcher = ignore().add(META_FILES);
  if (existsSync(ignoreFile)) matcher.add(readFileSync(ignoreFile, 'utf8').split('\n'));
  const files = walk(dir).filter((rel) => !matcher.ignores(rel)).sort();
  if (files.length > limits.assetFiles) {
    throw new WorkersBuildError(
      WORKERS_BUILD_FAILURES.TOO_MANY_ASSETS,
      `assets.directory: ${dir} holds ${files.length} files, over the ${limits.assetFiles.toLocaleString('en')} a Worker version may have on Workers ${plan === 'free' ? 'Free' : 'Paid'}; list build output that needs no URL in ${path.join(dir, '.assetsignore')}, or serve large collections from R2`,
    );
  }
  const manifest: AssetsManifest = Object.create(null);
  for (const rel of files) {
    const abs = path.join(dir, rel);
    const size = statSync(abs).size;
    if (size > limits.assetBytes) {
      throw new WorkersBuildError(
        WORKERS_BUILD_FAILURES.ASSET_TOO_LARGE,
        `assets: /${rel} is ${mib(size)}, over the ${mib(limits.assetBytes)} limit of one Workers static asset; move it to R2 (or split it), or add it to ${path.join(dir, '.assetsignore')}`,
      );
    }
    manifest[`/${rel}`] = { hash: hashAsset(readFileSync(abs), abs), size };
  }
  return manifest;
}
