/**
 * The emulator's one glob rule: `*` matches any run of characters, `/` and `.` included, and
 * nothing else is special. That is how Cloudflare reads a Workers route pattern's host and path
 * (`*.apps.example.com/*`), and the emulator's own test hooks (fault paths, domain scenarios)
 * reuse it so a pattern means the same thing everywhere. Pages path patterns (`_redirects`,
 * `_headers`, `_routes.json`) have splats and placeholders and are parsed by the edge instead.
 */

/** `*.example.com` → `/^.*\.example\.com$/`; hostnames are compared case-insensitively by callers that pass `ignoreCase`. */
export function globToRegExp(glob: string, options: { ignoreCase?: boolean } = {}): RegExp {
  const body = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${body}$`, options.ignoreCase ? 'i' : '');
}

/** True when the whole value matches the glob. */
export function globMatches(glob: string, value: string, options: { ignoreCase?: boolean } = {}): boolean {
  return globToRegExp(glob, options).test(value);
}
