// Safe for: worker, workflow (zod only; no I/O)
import { z } from 'zod';

/**
 * An app name becomes a DNS label (`<app>.apps.<base domain>`) and a KV key prefix, so it is a
 * lowercase DNS label: letters, digits and inner hyphens, at most 63 characters.
 */
export const appNameSchema = z
  .string({ error: 'app must be a string' })
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, {
    error: 'app must be a lowercase DNS label (a-z, 0-9, inner hyphens, 1-63 chars), e.g. "app123"',
  });

/** A version id: sortable, URL- and KV-key-safe, e.g. `v2026-11-24-153000`. */
export const versionSchema = z
  .string({ error: 'version must be a string' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
    error: 'version must be 1-64 chars of A-Z a-z 0-9 . _ - starting with a letter or digit, e.g. "v2026-11-24-153000"',
  });

const PATH_CHARS = /^\/[A-Za-z0-9\-._~%!$&'()*+,;=:@/]*$/;

/**
 * A route path: absolute, no query or fragment, no empty/`.`/`..` segments, no trailing slash
 * (except `/` itself), so two spellings of one path cannot be two routes.
 */
export const routePathSchema = z
  .string()
  .max(1024, { error: 'route path is longer than 1024 characters' })
  .refine((p) => PATH_CHARS.test(p), { error: 'route path must start with "/" and hold only URL path characters (no spaces, "?" or "#")' })
  .refine((p) => p === '/' || !p.endsWith('/'), { error: 'route path must not end with "/" (write "/blog", not "/blog/")' })
  .refine((p) => p === '/' || p.slice(1).split('/').every((s) => s !== '' && s !== '.' && s !== '..'), {
    error: 'route path must not contain empty, "." or ".." segments',
  })
  .refine((p) => !/%(?![0-9A-Fa-f]{2})/.test(p) && !/%2[fF]/.test(p), {
    error: 'route path has a malformed or slash-encoding (%2F) percent escape',
  });

/**
 * True when `host` is allowed by one of `allowedHosts`: an exact hostname, `*.suffix` for any
 * subdomain of suffix (not suffix itself), or `*-rest` for a host whose first label ends in
 * `-<rest's first label>` (a Worker's version URLs, `<id>-<script>.<subdomain>.workers.dev`,
 * and no other script's).
 */
export function hostAllowed(host: string, allowedHosts: readonly string[]): boolean {
  const h = host.toLowerCase();
  return allowedHosts.some((pattern) => {
    const p = pattern.toLowerCase();
    if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
    if (p.startsWith('*-')) {
      const prefix = h.slice(0, h.length - (p.length - 1));
      return h.endsWith(p.slice(1)) && prefix.length > 0 && !prefix.includes('.');
    }
    return h === p;
  });
}

/** The hosts a Worker serves on workers.dev: `<script>.<subdomain>.workers.dev` and its version URLs. */
export function workersHostsFor(script: string, subdomain: string): string[] {
  return [`${script}.${subdomain}.workers.dev`, `*-${script}.${subdomain}.workers.dev`];
}

/** The hosts a Pages project serves: `<project>.pages.dev` and every `*.<project>.pages.dev`. */
export function pagesHostsFor(project: string): string[] {
  return [`${project}.pages.dev`, `*.${project}.pages.dev`];
}

/** An upstream target: an https origin (optionally with a base path) on an allowed host. */
export function targetUrlSchema(allowedHosts: readonly string[]) {
  return z
    .string()
    .max(2048, { error: 'target URL is longer than 2048 characters' })
    .superRefine((value, ctx) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not a URL; write e.g. "https://<project>.pages.dev"` });
        return;
      }
      if (url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: `target "${value}" must use https` });
      if (url.username || url.password) ctx.addIssue({ code: 'custom', message: `target "${value}" must not carry credentials` });
      if (url.search || url.hash) ctx.addIssue({ code: 'custom', message: `target "${value}" must not have a query or fragment` });
      if (url.port) ctx.addIssue({ code: 'custom', message: `target "${value}" must not name a port` });
      if (!hostAllowed(url.hostname, allowedHosts)) {
        ctx.addIssue({
          code: 'custom',
          message: `target host "${url.hostname}" is not an allowed origin (allowed: ${allowedHosts.join(', ')}); the router must never proxy elsewhere`,
        });
      }
    });
}

/** Options for validating metadata: which hosts route targets may point at. */
export interface MetadataRules {
  allowedHosts: readonly string[];
  /** Most routes one version may carry (KV value size and router compile time stay bounded). */
  maxRoutes?: number;
}

/**
 * The schema of `.nextdeploy/metadata.json`, shared by the CLI, the activities and the router:
 * `{ app, version, defaultTarget, routes: { "/path": "https://target" } }`.
 */
export function metadataSchema(rules: MetadataRules) {
  const target = targetUrlSchema(rules.allowedHosts);
  const maxRoutes = rules.maxRoutes ?? 20_000;
  return z.strictObject({
    app: appNameSchema,
    version: versionSchema,
    defaultTarget: target,
    routes: z.preprocess(
      (raw, ctx) => {
        // zod drops an own "__proto__" key silently; a route must never vanish without a word.
        if (raw !== null && typeof raw === 'object' && Object.hasOwn(raw, '__proto__')) {
          ctx.addIssue({ code: 'custom', message: 'route path "__proto__" must start with "/"', path: ['__proto__'] });
        }
        return raw;
      },
      z
        .record(routePathSchema, target)
        .refine((r) => Object.keys(r).length <= maxRoutes, { error: `routes has more than ${maxRoutes} entries` }),
    ),
  });
}

/** `.nextdeploy/metadata.json` after validation. */
export type Metadata = z.infer<ReturnType<typeof metadataSchema>>;

/** One line per issue, each naming the field path, for CLI output and activity failures. */
export function formatZodIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    // A bad record key reports "Invalid key in record" with the reasons one level down.
    const nested = issue.code === 'invalid_key' ? issue.issues.map((i) => i.message) : [];
    return `${field || '(root)'}: ${nested.length > 0 ? nested.join('; ') : issue.message}`;
  });
}
