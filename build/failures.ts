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
  /** `compatibility_flags` lacks `nodejs_compat`, which Next.js's server needs. */
  NODEJS_COMPAT_MISSING: 'WORKERS_BUILD_NODEJS_COMPAT_MISSING',
} as const;

// Size and file-count limits are the upload's (core/workers-bundle.ts WORKERS_LIMITS), checked
// by the upload activity before it calls Cloudflare, as for a bundle built elsewhere.

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

