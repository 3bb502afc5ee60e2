// Safe for: worker, workflow (zod only; no I/O)
import { z } from 'zod';

/**
 * The names and ids a deploy is addressed by, one rule each, shared by the config file
 * (core/config.ts) and the workflow inputs (core/deploy-input.ts) so a value one accepts the
 * other cannot refuse.
 */

/**
 * A public hostname, lower-cased: LDH labels of 1–63 characters, at most 253 in all, and a
 * top-level label that starts with a letter (so an IPv4 address or a bare label is not a host
 * Cloudflare can attach as a custom domain).
 */
export const hostnameSchema = z
  .string()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/, {
    error: 'must be a hostname like "app123.apps.example.com" (lowercase labels, no scheme, port or path)',
  });

/** Which Cloudflare id a field holds, and where the dashboard shows it. */
const ID_WHERE = {
  'account id': 'Account home → Account ID',
  'zone id': 'the zone’s Overview → Zone ID',
  'KV namespace id': 'Workers KV → the namespace',
} as const;

/** The kinds of 32-hex id a deploy names. */
export type CloudflareIdKind = keyof typeof ID_WHERE;

const CLOUDFLARE_ID = /^[0-9a-f]{32}$/;

/** Whether a value (from a config layer not yet validated) is a 32-hex Cloudflare id. */
export function isCloudflareId(value: unknown): value is string {
  return typeof value === 'string' && CLOUDFLARE_ID.test(value);
}

/** A Cloudflare account, zone or KV namespace id: 32 lowercase hex characters, as the API returns them. */
export function cloudflareIdSchema(kind: CloudflareIdKind) {
  return z.string().regex(CLOUDFLARE_ID, {
    error: `must be the 32-hex-character ${kind} (Cloudflare dashboard → ${ID_WHERE[kind]})`,
  });
}

/**
 * A Pages project name (the `<project>` of `<project>.pages.dev`): a DNS label of lowercase
 * letters, digits and inner hyphens, at most 58 characters (Cloudflare's limit for a project name).
 */
export const pagesProjectSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,56}[a-z0-9])?$/, {
    error: 'must be a Pages project name (lowercase letters, digits, inner hyphens, at most 58 chars)',
  });

/** A key that names a secret: such a field has no place in a config file or a workflow input. */
const SECRET_KEY = /token|secret|password|passwd|api[_-]?key|authorization|credential/i;

/** True when `key` names a secret (`apiToken`, `CF_API_KEY`, `authorization`, …). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * The paths of every secret-named key in `raw`, at any depth. Own keys only, so a JSON
 * `"__proto__"` key is walked like any other. `skipTopLevel` names fields that are maps of user
 * paths, not settings (a route table may well serve `/token`).
 */
export function findSecretKeys(raw: unknown, skipTopLevel: readonly string[] = [], prefix: string[] = []): string[][] {
  if (raw === null || typeof raw !== 'object') return [];
  const found: string[][] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (prefix.length === 0 && skipTopLevel.includes(key)) continue;
    const here = [...prefix, key];
    if (isSecretKey(key)) found.push(here);
    found.push(...findSecretKeys(value, [], here));
  }
  return found;
}

/**
 * A Workers script name nextdeploy deploys: a DNS label (it is a label of
 * `<script>.<subdomain>.workers.dev`) of at most 54 characters, so that a version URL's label
 * `<8-hex id>-<script>` stays within DNS's 63 (Cloudflare gives longer names no version URLs).
 */
export const workerScriptSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,52}[a-z0-9])?$/, {
    error: 'must be a Worker name of lowercase letters, digits and inner hyphens, at most 54 characters (its version URLs add "<8-hex id>-" to it)',
  });

/** An account's workers.dev subdomain (the `<subdomain>` of `<script>.<subdomain>.workers.dev`). */
export const workersSubdomainSchema = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, {
  error: 'must be the account’s workers.dev subdomain, a DNS label (Cloudflare dashboard → Workers & Pages → Subdomain)',
});
