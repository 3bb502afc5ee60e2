// Safe for: worker, workflow (zod only; no I/O)
import { z } from 'zod';
import { cloudflareIdSchema, findSecretKeys, hostnameSchema, pagesProjectSchema, workerScriptSchema, workersSubdomainSchema } from './identifiers.ts';
import { appNameSchema, formatZodIssues, routePathSchema } from './metadata.ts';

/**
 * `nextdeploy.config.json`: where the product deploys to. Config files get copied, shared and
 * committed, so it holds ids and names only; the API token comes from `CLOUDFLARE_API_TOKEN` or
 * `CLOUDFLARE_API_TOKEN_FILE` and a token-like field here is refused.
 */
export const CONFIG_FILE_NAME = 'nextdeploy.config.json';

/** Re-exported: the CLI checks a `--project` flag with the same rule. */
export { pagesProjectSchema };

const positiveSeconds = z.number().int().positive().max(86_400);

/** Timeouts of the runbook's waiting steps, in seconds. */
export const timeoutsSchema = z.strictObject({
  /** How long the Pages deployment may take to succeed (step 2). */
  pagesDeploymentSeconds: positiveSeconds.default(900),
  /** How long the custom domain and its certificate may take to become active (step 4). */
  customDomainSeconds: positiveSeconds.default(1_800),
  /** How long the new version is watched after the flip, accepting a `rollback` signal (step 8). */
  bakeSeconds: z.number().int().min(0).max(86_400).default(60),
  /** Time limit of one synthetic check request (step 7). */
  checkSeconds: positiveSeconds.default(10),
});
export type Timeouts = z.infer<typeof timeoutsSchema>;

/** One app: what to deploy and where it answers. */
export const appConfigSchema = z.strictObject({
  /** Public hostname; default `<app>.apps.<baseDomain>`. Must lie inside the zone's base domain. */
  hostname: hostnameSchema.optional(),
  /** The folder of static files Direct Upload sends (e.g. a `next build` static export `out/`). */
  buildDir: z.string().min(1).optional(),
  /** The Next.js build folder `metadata` reads (default: `.next` beside `buildDir`). */
  nextDir: z.string().min(1).optional(),
  /** Pages project of this app; default the top-level `pagesProject`. */
  pagesProject: pagesProjectSchema.optional(),
  /** Paths the synthetic checks request through the public hostname (default: top-level `checkPaths`). */
  checkPaths: z.array(routePathSchema).min(1).optional(),
  /**
   * Where the app runs: `pages` (a static export, Direct Upload) or `workers` (full-stack Next.js
   * built by OpenNext into a Worker). Default: from the build, a static export stays on Pages.
   */
  target: z.enum(['pages', 'workers']).optional(),
  /** The Next.js app's folder; `start-deploy` builds it there (OpenNext for `workers`). */
  appDir: z.string().min(1).optional(),
  /** The Worker a `workers` app's versions go to (default: the app's name). */
  workerScript: workerScriptSchema.optional(),
  /**
   * How a `workers` app's hostname reaches its Worker: `router` (default: the router proxies to
   * the live version's URL) or `native` (the hostname is the Worker's custom domain; Cloudflare's
   * deployment, moved at each flip, picks the version). docs/design.md, "The Workers row".
   */
  routing: z.enum(['router', 'native']).optional(),
});
export type AppConfig = z.infer<typeof appConfigSchema>;

/** The whole configuration after file, environment and flags are merged. */
export const configSchema = z.strictObject({
  /** Cloudflare account that owns the Pages project and the KV namespace. */
  accountId: cloudflareIdSchema('account id'),
  /** The zone of `baseDomain` (DNS records and custom domains are made there). */
  zoneId: cloudflareIdSchema('zone id'),
  /** The zone's domain; apps answer under `apps.<baseDomain>`. */
  baseDomain: hostnameSchema,
  /** Default Pages project apps deploy to. */
  pagesProject: pagesProjectSchema,
  /** The account's workers.dev subdomain (default: asked of the API when a `workers` app deploys). */
  workersSubdomain: workersSubdomainSchema.optional(),
  /** Workers KV namespace holding the route table (made by `npm run init`). */
  kvNamespaceId: cloudflareIdSchema('KV namespace id'),
  /** Cloudflare API base URL (default the real API). */
  apiBaseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL like "https://api.cloudflare.com/client/v4"' }).optional(),
  checkPaths: z.array(routePathSchema).min(1).default(['/']),
  timeouts: timeoutsSchema.default(timeoutsSchema.parse({})),
  apps: z
    .record(appNameSchema, appConfigSchema)
    .default({}),
});
/** The validated configuration. */
export type NextdeployConfig = z.infer<typeof configSchema>;

/**
 * Environment variables that override the file, and the field each sets. (Temporal is chosen by
 * `TEMPORAL_ADDRESS` and friends alone: core/temporal-connection.ts.)
 */
export const CONFIG_ENV_VARS = {
  CLOUDFLARE_ACCOUNT_ID: 'accountId',
  CLOUDFLARE_ZONE_ID: 'zoneId',
  NEXTDEPLOY_BASE_DOMAIN: 'baseDomain',
  NEXTDEPLOY_PAGES_PROJECT: 'pagesProject',
  NEXTDEPLOY_KV_NAMESPACE_ID: 'kvNamespaceId',
  CLOUDFLARE_API_BASE_URL: 'apiBaseUrl',
  NEXTDEPLOY_CHECK_PATHS: 'checkPaths',
  NEXTDEPLOY_BAKE_SECONDS: 'timeouts.bakeSeconds',
} as const;

/** Configuration that cannot be used; `problems` name the field and say how to fix it. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[], source?: string) {
    super(`${source ? `${source}: ` : ''}${problems.join('; ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Finds token-like keys anywhere in the raw file, so the refusal names each one (never its value). */
export function findSecretFields(raw: unknown): string[] {
  return findSecretKeys(raw).map((path) => path.join('.'));
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[part] = Object.create(null);
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}

/** Environment overrides as a partial raw config (numbers and lists parsed, empty values ignored). */
export function envOverrides(env: NodeJS.ProcessEnv): { raw: Record<string, unknown>; used: string[] } {
  const raw: Record<string, unknown> = Object.create(null);
  const used: string[] = [];
  for (const [name, field] of Object.entries(CONFIG_ENV_VARS)) {
    const value = env[name];
    if (value === undefined || value.trim() === '') continue;
    used.push(name);
    if (field === 'checkPaths') setPath(raw, field, value.split(',').map((p) => p.trim()).filter(Boolean));
    else if (field.startsWith('timeouts.')) setPath(raw, field, Number(value));
    else setPath(raw, field, value.trim());
  }
  return { raw, used };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Later layers win; objects merge key by key, everything else is replaced. */
export function mergeLayers(...layers: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const layer of layers) {
    if (!isPlainObject(layer)) continue;
    for (const key of Object.keys(layer)) {
      const value = layer[key];
      if (value === undefined) continue;
      out[key] = isPlainObject(value) && isPlainObject(out[key]) ? mergeLayers(out[key], value) : isPlainObject(value) ? mergeLayers(value) : value;
    }
  }
  return out;
}

/** Where each field can be set, appended to a problem so the message says how to fix it. */
function howToFix(field: string, source: string): string {
  const env = Object.entries(CONFIG_ENV_VARS).find(([, f]) => f === field)?.[0];
  return env ? ` (set it in ${source} or with ${env})` : ` (fix it in ${source})`;
}

/**
 * Validates merged layers. The raw file is checked for secrets first: a token in a committed
 * file is refused outright, naming the field and where the token belongs.
 */
export function parseConfig(merged: unknown, source = CONFIG_FILE_NAME): NextdeployConfig {
  const secrets = findSecretFields(merged);
  if (secrets.length > 0) {
    throw new ConfigError(
      secrets.map((field) => `${field}: a token or secret must not be in ${source} (config files get shared and committed); remove it and set CLOUDFLARE_API_TOKEN or CLOUDFLARE_API_TOKEN_FILE instead`),
      source,
    );
  }
  const apps = isPlainObject(merged) ? merged.apps : undefined;
  if (isPlainObject(apps) && Object.hasOwn(apps, '__proto__')) {
    // zod drops an own "__proto__" key silently; an app must never vanish without a word.
    throw new ConfigError([`apps.__proto__: app must be a lowercase DNS label, e.g. "app123" (fix it in ${source})`], source);
  }
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const field = issue.path.map(String).join('.') || '(root)';
        // A bad record key (an app name) carries its reason one level down.
        const inner = issue.code === 'invalid_key' ? issue.issues[0] : undefined;
        const line = inner ? `${field}: ${inner.message}` : formatZodIssues(new z.ZodError([issue]))[0]!;
        const missing = issue.code === 'invalid_type' && (issue as { input?: unknown }).input === undefined;
        return (missing ? `${field}: missing` : line) + howToFix(field, source);
      }),
      source,
    );
  }
  const config = result.data;
  const problems: string[] = [];
  for (const [app, entry] of Object.entries(config.apps)) {
    if (entry.hostname && !insideDomain(entry.hostname, config.baseDomain)) {
      problems.push(`apps.${app}.hostname: "${entry.hostname}" is outside the zone ${config.baseDomain}; use a name under it, e.g. "${app}.${appsDomain(config)}" (fix it in ${source})`);
    }
    if (entry.routing === 'native') {
      if (entry.target === 'pages') problems.push(`apps.${app}.routing: "native" is a Workers app's; drop it or set target to "workers" (fix it in ${source})`);
      // On Cloudflare a zone route runs before a Workers custom domain: the router's would take it.
      if (entry.hostname && insideDomain(entry.hostname, appsDomain(config))) {
        problems.push(`apps.${app}.hostname: "${entry.hostname}" is under ${appsDomain(config)}, where the router's route answers first; with routing "native" use a name outside it, e.g. "${app}.${config.baseDomain}" (fix it in ${source})`);
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems, source);
  return config;
}

/** True when `hostname` is `domain` or lies under it. */
export function insideDomain(hostname: string, domain: string): boolean {
  const h = hostname.toLowerCase();
  const d = domain.toLowerCase();
  return h === d || h.endsWith(`.${d}`);
}

/** `apps.<baseDomain>`: where apps answer by default and where the router's route is. */
export function appsDomain(config: Pick<NextdeployConfig, 'baseDomain'>): string {
  return `apps.${config.baseDomain}`;
}

/** The settings of one app with every default filled in. */
export interface ResolvedApp {
  app: string;
  hostname: string;
  pagesProject: string;
  buildDir: string | undefined;
  nextDir: string | undefined;
  checkPaths: string[];
  /** Unset: decided from the build (`client/deploy-plan.ts`). */
  target: 'pages' | 'workers' | undefined;
  appDir: string | undefined;
  workerScript: string;
  routing: 'router' | 'native';
}

/**
 * One app's settings. `allowUnlisted` (the embedded defaults) gives any app the defaults; a real
 * configuration only deploys the apps it lists, so a typo cannot create a new app.
 */
export function resolveApp(config: NextdeployConfig, app: string, options: { allowUnlisted?: boolean; source?: string } = {}): ResolvedApp {
  const name = appNameSchema.safeParse(app);
  if (!name.success) throw new ConfigError([`--app: ${name.error.issues[0]!.message}`]);
  const entry = Object.hasOwn(config.apps, app) ? config.apps[app] : undefined;
  if (!entry && !options.allowUnlisted) {
    const known = Object.keys(config.apps);
    throw new ConfigError([
      `apps.${app}: app "${app}" is not in ${options.source ?? CONFIG_FILE_NAME} (${known.length ? `known apps: ${known.join(', ')}` : 'it lists no apps'}); add it under "apps"`,
    ]);
  }
  return {
    app,
    // A natively routed app answers outside the router's `apps.` route (which would run first).
    hostname: entry?.hostname ?? (entry?.routing === 'native' ? `${app}.${config.baseDomain}` : `${app}.${appsDomain(config)}`),
    pagesProject: entry?.pagesProject ?? config.pagesProject,
    buildDir: entry?.buildDir,
    nextDir: entry?.nextDir,
    checkPaths: entry?.checkPaths ?? config.checkPaths,
    target: entry?.target,
    appDir: entry?.appDir,
    workerScript: entry?.workerScript ?? app,
    routing: entry?.routing ?? 'router',
  };
}
