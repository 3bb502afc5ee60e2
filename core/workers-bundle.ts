// Safe for: worker, workflow (zod only; no I/O)
import { z } from 'zod';

/** The file a Workers bundle folder carries, describing what to upload. */
export const WORKERS_BUNDLE_FILE = 'nextdeploy-workers.json';

/**
 * Cloudflare's limits for one Worker version (Workers limits page): the compressed script on the
 * paid plan, the uncompressed startup bundle, and the static assets of one version.
 */
export const WORKERS_LIMITS = {
  scriptGzipBytes: 10 * 1024 * 1024,
  scriptBytes: 64 * 1024 * 1024,
  assetFiles: 20_000,
  assetBytes: 25 * 1024 * 1024,
  /** Versions the API keeps for rollback (older ones cannot be deployed again). */
  rollbackVersions: 100,
} as const;

const moduleTypes = ['esm', 'commonjs', 'compiled-wasm', 'text', 'data', 'source-map'] as const;

/** One module of the Worker, as it goes into the version upload's multipart body. */
export const workersModuleSchema = z.strictObject({
  /** Its name in the upload (what the main module imports). */
  name: z.string().min(1).max(1024).refine((n) => !n.startsWith('/') && !n.split('/').includes('..'), { error: 'module names are relative and stay inside the bundle' }),
  type: z.enum(moduleTypes),
});

/**
 * `nextdeploy-workers.json`: a Worker's modules (files beside it), its static assets folder and
 * the settings the version upload carries. Written by the CLI's build step (build/), read by the
 * upload activity; the folder is what `wrangler deploy --dry-run --outdir` leaves.
 */
export const workersBundleSchema = z.strictObject({
  schema: z.literal(1),
  mainModule: z.string().min(1),
  modules: z.array(workersModuleSchema).min(1).max(1000),
  /** Folder of static assets, relative to the bundle (null: none). */
  assetsDir: z.string().min(1).nullable(),
  /** Workers Static Assets settings (`assets` in wrangler config, minus directory and binding). */
  assetsConfig: z
    .strictObject({
      html_handling: z.enum(['auto-trailing-slash', 'force-trailing-slash', 'drop-trailing-slash', 'none']).optional(),
      not_found_handling: z.enum(['none', '404-page', 'single-page-application']).optional(),
      run_worker_first: z.union([z.boolean(), z.array(z.string())]).optional(),
      /** The assets folder's `_headers` file, as text: Cloudflare reads it from the upload, not as an asset. */
      _headers: z.string().max(100_000).optional(),
      /** The assets folder's `_redirects` file, as text. */
      _redirects: z.string().max(100_000).optional(),
    })
    .default({}),
  /** The binding the Worker reads its assets through (`ASSETS` for OpenNext). */
  assetsBinding: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).nullable().default(null),
  compatibilityDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'compatibilityDate must be YYYY-MM-DD' }),
  compatibilityFlags: z.array(z.string().min(1)).default([]),
  /** Plain-text vars the version gets (never secrets: those are `wrangler secret put`). */
  vars: z.record(z.string(), z.string()).default({}),
  /** KV namespaces the version binds (OpenNext's ISR cache, say), by binding name. */
  kvNamespaces: z
    .array(
      z.strictObject({
        binding: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
        /** null: the deploy finds or creates the app's own namespace for this binding ({@link kvNamespaceTitle}). */
        id: z.string().regex(/^[0-9a-f]{32}$/, { error: 'a KV binding needs the namespace’s 32-hex id (or null to have one made)' }).nullable(),
      }),
    )
    .max(100)
    .default([]),
}).superRefine((b, ctx) => {
  if (!b.modules.some((m) => m.name === b.mainModule)) ctx.addIssue({ code: 'custom', path: ['mainModule'], message: `mainModule "${b.mainModule}" is not one of the modules` });
});

/** A parsed `nextdeploy-workers.json`. */
export type WorkersBundle = z.infer<typeof workersBundleSchema>;

/** The version URL of a Worker version: `<first 8 hex of its id>-<script>.<subdomain>.workers.dev`. */
export function versionHost(versionId: string, script: string, subdomain: string): string {
  return `${versionId.replace(/-/g, '').slice(0, 8)}-${script}.${subdomain}.workers.dev`;
}

/** An id in a wrangler config that only holds the place of a namespace the deploy makes (OpenNext's templates ship it). */
export const PLACEHOLDER_KV_ID = '00000000000000000000000000000000';

/** The title of the namespace a deploy makes for a KV binding with no id: one per Worker and binding. */
export function kvNamespaceTitle(script: string, binding: string): string {
  return `${script}-${binding.toLowerCase().replace(/_/g, '-')}`;
}
