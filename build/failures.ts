// Why a Workers build cannot be deployed. Each failure has a string-constant type (like
// core/failures.ts for the workflow) so start-deploy and an activity can tell them apart, and a
// message that names the field or file and the fix.

/** The failure types of a Workers build, one per cause. */
export const WORKERS_BUILD_FAILURES = {
  /** `opennextjs-cloudflare build` (or `next build` inside it) exited non-zero. */
  BUILD_FAILED: 'WORKERS_BUILD_FAILED',
  /** The build fetched a font from Google Fonts (next/font/google) and could not reach it. */
  GOOGLE_FONT_FETCH: 'WORKERS_BUILD_GOOGLE_FONT_FETCH',
  /** No wrangler config, or one without the fields a Worker deploy needs. */
  CONFIG_INVALID: 'WORKERS_BUILD_CONFIG_INVALID',
  /** The folder has no built Worker (`main` of the wrangler config does not exist). */
  NO_WORKER: 'WORKERS_BUILD_NO_WORKER',
  /** The bundled Worker is over Cloudflare's size limit (compressed or uncompressed). */
  WORKER_TOO_LARGE: 'WORKERS_BUILD_WORKER_TOO_LARGE',
  /** More static asset files than one Worker version may have. */
  TOO_MANY_ASSETS: 'WORKERS_BUILD_TOO_MANY_ASSETS',
  /** One static asset over 25 MiB. */
  ASSET_TOO_LARGE: 'WORKERS_BUILD_ASSET_TOO_LARGE',
  /** `compatibility_flags` lacks `nodejs_compat`, which Next.js's server needs. */
  NODEJS_COMPAT_MISSING: 'WORKERS_BUILD_NODEJS_COMPAT_MISSING',
} as const;

/** One of {@link WORKERS_BUILD_FAILURES}. */
export type WorkersBuildFailure = (typeof WORKERS_BUILD_FAILURES)[keyof typeof WORKERS_BUILD_FAILURES];

/** A build that cannot be deployed; `type` says why, the message says what to change. */
export class WorkersBuildError extends Error {
  readonly type: WorkersBuildFailure;
  constructor(type: WorkersBuildFailure, message: string) {
    super(message);
    this.name = 'WorkersBuildError';
    this.type = type;
  }
}

const MiB = 1024 * 1024;

/**
 * Cloudflare's limits (developers.cloudflare.com/workers/platform/limits/, and wrangler 4.164's
 * own checks: MAX_ASSET_SIZE 25 MiB, MAX_UNCOMPRESSED_SIZE_BYTES 64 MiB): Worker size after
 * gzip 3 MiB on Workers Free, 10 MiB on Workers Paid, 64 MiB before compression on both;
 * 20,000 asset files per version (Free; Paid allows 100,000), 25 MiB per asset.
 */
export const WORKERS_LIMITS = {
  free: { gzipBytes: 3 * MiB, bytes: 64 * MiB, assetFiles: 20_000, assetBytes: 25 * MiB },
  paid: { gzipBytes: 10 * MiB, bytes: 64 * MiB, assetFiles: 100_000, assetBytes: 25 * MiB },
} as const;

/** The Workers plan whose limits a build is checked against. */
export type WorkersPlan = keyof typeof WORKERS_LIMITS;

/** Bytes as MiB with two decimals, for messages. */
export function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(2)} MiB`;
}
