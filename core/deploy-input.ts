// Safe for: worker, workflow (zod only; no I/O)
import { z } from 'zod';
import { cloudflareIdSchema, findSecretKeys, hostnameSchema, pagesProjectSchema, workerScriptSchema, workersSubdomainSchema } from './identifiers.ts';
import { appNameSchema, metadataSchema, pagesHostsFor, versionSchema, formatZodIssues, workersHostsFor } from './metadata.ts';

/** A sortable UTC version id for `date`: `v2026-11-24-153000`. */
export function versionFromDate(date: Date): string {
  const iso = date.toISOString(); // 2026-11-24T15:30:00.000Z
  return `v${iso.slice(0, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

const ms = (min: number, fallback: number) => z.number().int().min(min).default(fallback);

/** Where the build comes from: a git branch Pages builds, or a build folder uploaded directly. */
export const deploySourceSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('git'), branch: z.string().min(1).max(255) }),
  z.strictObject({
    type: z.literal('directory'),
    /** Absolute path of a build output folder the worker can read. */
    path: z.string().min(1).refine((p) => p.startsWith('/'), { error: 'source.path must be absolute' }),
    /** The Pages branch to deploy to (production branch = production alias). */
    branch: z.string().min(1).max(255).default('main'),
  }),
  z.strictObject({
    type: z.literal('workers'),
    /** Absolute path of a Workers build (`build/workers-bundle.ts` writes it) the worker can read. */
    path: z.string().min(1).refine((p) => p.startsWith('/'), { error: 'source.path must be absolute' }),
    /** The Worker each version is uploaded to. */
    script: workerScriptSchema,
    /** The account's workers.dev subdomain, where the version URLs live (preflight checks it). */
    subdomain: workersSubdomainSchema,
    /**
     * `router`: the router proxies the hostname to the live version's URL (a rollback is one KV
     * write). `native`: the hostname is the Worker's own Workers Custom Domain and Cloudflare's
     * deployment (moved at each flip) picks the version; no router in the path.
     */
    routing: z.enum(['router', 'native']).default('router'),
  }),
]);

/** A source Pages builds or serves (git, or a folder by Direct Upload). */
export type PagesSource = Exclude<z.infer<typeof deploySourceSchema>, { type: 'workers' }>;
/** A Workers build uploaded as a new version of a Worker. */
export type WorkersSource = Extract<z.infer<typeof deploySourceSchema>, { type: 'workers' }>;

/** Synthetic checks through the public hostname. */
export const checksSchema = z.strictObject({
  /** Hostname the checks request (default: the deploy's hostname). */
  hostname: hostnameSchema.optional(),
  paths: z.array(z.string().regex(/^\/[^\s#]*$/, { error: 'check paths start with "/"' })).min(1).max(50).default(['/']),
  /** Statuses that pass (default: any 2xx or 3xx). */
  expectStatus: z.array(z.number().int().min(100).max(599)).min(1).optional(),
  /** Require `x-nextdeploy-version: <new version>` (the router answers; Pages alone does not). */
  expectVersionHeader: z.boolean().default(true),
  /** Per-request timeout. */
  requestTimeoutMs: ms(100, 10_000),
  /** How long after the flip failing checks are retried before deciding (KV propagates in ≤ 60 s). */
  propagationWindowMs: ms(0, 90_000),
  /** Pause between check rounds inside the propagation window. */
  retryIntervalMs: ms(10, 5_000),
});

/** Timeouts and intervals; defaults fit real Cloudflare, tests shrink them. */
export const timingSchema = z.strictObject({
  /** Hard limit for the Pages build (queued → deploy). */
  buildTimeoutMs: ms(1_000, 20 * 60_000),
  /** First and longest pause between polls of the build and the domain. */
  pollInitialIntervalMs: ms(10, 5_000),
  pollMaxIntervalMs: ms(10, 30_000),
  /** How long the custom domain and its certificate may take to become active. */
  domainTimeoutMs: ms(1_000, 30 * 60_000),
  /** Bake window after the checks pass (0 = none). */
  bakeMs: ms(0, 5 * 60_000),
  /** Pause between bake check rounds. */
  bakeCheckIntervalMs: ms(10, 30_000),
});

function rejectSecretKeys(raw: unknown, ctx: z.RefinementCtx): void {
  // Route tables are maps of paths, not settings; metadata has its own strict schema.
  for (const path of findSecretKeys(raw, ['metadata'])) {
    const key = path.at(-1)!;
    ctx.addIssue({
      code: 'custom',
      path,
      message: `"${key}" looks like a secret; secrets never go into a workflow input (the worker reads CLOUDFLARE_API_TOKEN or CLOUDFLARE_API_TOKEN_FILE)`,
    });
  }
}

/** The input's fields before the cross-field checks (metadata against the allowed hosts). */
const deployInputFields = z.strictObject({
    app: appNameSchema,
    version: versionSchema,
    accountId: cloudflareIdSchema('account id'),
    zoneId: cloudflareIdSchema('zone id'),
    /** The Workers KV namespace the router reads (binding `ROUTES`). */
    kvNamespaceId: cloudflareIdSchema('KV namespace id'),
    pagesProject: pagesProjectSchema,
    source: deploySourceSchema,
    /** `.nextdeploy/metadata.json`; checked against the allowed hosts below. */
    metadata: z.unknown(),
    /** Public hostname: CNAME to `<project>.pages.dev`, attached as the Pages custom domain. */
    hostname: hostnameSchema,
    /** Hosts route targets may use besides the project's `*.pages.dev` (exact or `*.suffix`). */
    extraAllowedHosts: z.array(z.string().min(1).max(253)).max(50).default([]),
    checks: checksSchema.default(() => checksSchema.parse({})),
    timing: timingSchema.default(() => timingSchema.parse({})),
    dns: z
      .strictObject({
        enabled: z.boolean().default(true),
        proxied: z.boolean().default(true),
        /**
         * Create the CNAME unproxied and switch it to proxied only once the custom domain and its
         * certificate are active (for domains whose validation needs to see the origin directly).
         */
        unproxiedUntilDomainActive: z.boolean().default(false),
      })
      .default({ enabled: true, proxied: true, unproxiedUntilDomainActive: false }),
    customDomain: z.strictObject({ enabled: z.boolean().default(true) }).default({ enabled: true }),
    /** Versions kept in `${app}:versions` (the live and previous one are never dropped). */
    versionsRetention: z.number().int().min(2).max(1000).default(20),
  });

/** Options of {@link deployInputSchema}. */
export interface DeployInputRules {
  /** Clock for the default version (default: now). */
  now?: () => Date;
}

/**
 * The deploy workflow's input: validated by the CLI before start and again by preflight.
 * Holds no secret: a `token`-like key anywhere is rejected by name.
 */
export function deployInputSchema(rules: DeployInputRules = {}) {
  const now = rules.now ?? (() => new Date());
  return z.preprocess(
    (raw, ctx) => {
      rejectSecretKeys(raw, ctx);
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
      // `allowedHosts` is derived (below), so a parsed input parses again (preflight re-validates).
      const { allowedHosts: _derived, ...input } = raw as Record<string, unknown>;
      if (input.version !== undefined) return input;
      // Default version: the metadata's own, else a sortable id from the clock.
      const metadata = input.metadata as Record<string, unknown> | undefined;
      const fromMetadata = metadata && typeof metadata === 'object' ? metadata.version : undefined;
      return { ...input, version: typeof fromMetadata === 'string' ? fromMetadata : versionFromDate(now()) };
    },
    deployInputFields
      .transform((input, ctx) => {
        const { source } = input;
        const allowedHosts = [...(source.type === 'workers' ? workersHostsFor(source.script, source.subdomain) : pagesHostsFor(input.pagesProject)), ...input.extraAllowedHosts];
        if (source.type === 'workers' && input.customDomain.enabled) {
          // The router's zone route serves the hostname; a Pages custom domain has no Pages deployment behind it.
          ctx.addIssue({ code: 'custom', path: ['customDomain', 'enabled'], message: 'a Workers deploy attaches no Pages custom domain: set customDomain.enabled to false' });
        }
        const parsed = metadataSchema({ allowedHosts }).safeParse(input.metadata);
        if (!parsed.success) {
          for (const line of formatZodIssues(parsed.error, 'metadata')) ctx.addIssue({ code: 'custom', message: line, path: ['metadata'] });
          return z.NEVER;
        }
        if (parsed.data.app !== input.app) {
          ctx.addIssue({ code: 'custom', path: ['metadata', 'app'], message: `metadata.app "${parsed.data.app}" differs from app "${input.app}"` });
        }
        if (parsed.data.version !== input.version) {
          ctx.addIssue({ code: 'custom', path: ['metadata', 'version'], message: `metadata.version "${parsed.data.version}" differs from version "${input.version}"` });
        }
        if (input.timing.pollMaxIntervalMs < input.timing.pollInitialIntervalMs) {
          ctx.addIssue({ code: 'custom', path: ['timing', 'pollMaxIntervalMs'], message: 'pollMaxIntervalMs must be ≥ pollInitialIntervalMs' });
        }
        return { ...input, metadata: parsed.data, allowedHosts };
      }),
  );
}

/** The raw input a caller passes: defaults not yet applied, `version` optional, metadata unchecked. */
export type DeployInputRaw = Omit<z.input<typeof deployInputFields>, 'version'> & { version?: string };
/** The validated deploy input: every default applied, metadata checked, allowed hosts resolved. */
export type DeployInput = z.infer<ReturnType<typeof deployInputSchema>>;

/** Validates a raw deploy input; throws an Error with one line per issue. */
export function parseDeployInput(raw: unknown, rules: DeployInputRules = {}): DeployInput {
  const result = deployInputSchema(rules).safeParse(raw);
  if (!result.success) {
    throw new Error(`invalid deploy input:\n  ${formatZodIssues(result.error).join('\n  ')}`);
  }
  return result.data;
}

/** The manual rollback workflow's input (`RollbackInput` in core/workflow-contracts.ts), no secrets either. */
export const rollbackInputSchema = z.preprocess(
  (raw, ctx) => {
    rejectSecretKeys(raw, ctx);
    return raw;
  },
  z.strictObject({
    app: appNameSchema,
    accountId: cloudflareIdSchema('account id'),
    kvNamespaceId: cloudflareIdSchema('KV namespace id'),
    toVersion: versionSchema.optional(),
    reason: z.string().max(500).optional(),
    checks: checksSchema.extend({ hostname: hostnameSchema }),
  }),
);

/** Validates a rollback input; throws an Error with one line per issue. */
export function parseRollbackInput(raw: unknown): z.infer<typeof rollbackInputSchema> {
  const result = rollbackInputSchema.safeParse(raw);
  if (!result.success) throw new Error(`invalid rollback input:\n  ${formatZodIssues(result.error).join('\n  ')}`);
  return result.data;
}
