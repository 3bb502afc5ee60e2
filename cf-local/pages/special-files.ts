/**
 * A Pages deployment's special files as the edge reads them: `_redirects`, `_headers` and
 * `_routes.json` (path patterns with splats and `:placeholders`), plus the content type of a
 * static asset by extension. Kept apart from the edge's request dispatch (edge.ts).
 */

/** Content type by file extension, for assets uploaded as application/octet-stream. */
export const MIME: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'application/javascript',
  mjs: 'application/javascript',
  json: 'application/json',
  txt: 'text/plain; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  ico: 'image/x-icon',
  webp: 'image/webp',
  woff: 'font/woff',
  woff2: 'font/woff2',
  xml: 'application/xml',
  wasm: 'application/wasm',
};

/** A Pages path pattern (`/blog/*`, `/users/:id`) as a RegExp with named groups (`splat`, placeholders). */
function pathPattern(pattern: string): RegExp {
  let re = '';
  let splat = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      re += splat ? '.*' : '(?<splat>.*)';
      splat = true;
    }
    else if (c === ':' && /[A-Za-z]/.test(pattern[i + 1] ?? '')) {
      const name = /^[A-Za-z]\w*/.exec(pattern.slice(i + 1))![0];
      re += `(?<${name}>[^/]+)`;
      i += name.length;
    } else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** One `_redirects` line. */
export interface RedirectRule {
  from: RegExp;
  to: string;
  status: number;
}

/** `_redirects`: `/from /to [status]` per line (splats and placeholders; 200 = rewrite). developers.cloudflare.com/pages/configuration/redirects */
export function parseRedirects(text: string): RedirectRule[] {
  const rules: RedirectRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [from, to, status] = line.split(/\s+/);
    if (!from || !to || !from.startsWith('/')) continue;
    rules.push({ from: pathPattern(from), to, status: status ? Number(status) : 302 });
  }
  return rules;
}

/** One `_headers` block: a path pattern and the headers it sets or removes. */
export interface HeaderRule {
  pattern: RegExp;
  set: Array<[string, string]>;
  detach: string[];
}

/** `_headers`: a path pattern line, then indented `Name: value` (or `! Name`) lines. developers.cloudflare.com/pages/configuration/headers */
export function parseHeaders(text: string): HeaderRule[] {
  const rules: HeaderRule[] = [];
  let current: HeaderRule | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (!raw.trim() || raw.trim().startsWith('#')) continue;
    if (!/^\s/.test(raw)) {
      const target = raw.trim().replace(/^https?:\/\/[^/]+/, '');
      current = { pattern: pathPattern(target), set: [], detach: [] };
      rules.push(current);
      continue;
    }
    if (!current) continue;
    const line = raw.trim();
    if (line.startsWith('!')) current.detach.push(line.slice(1).trim().toLowerCase());
    else {
      const colon = line.indexOf(':');
      if (colon > 0) current.set.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
    }
  }
  return rules;
}

/**
 * Applies `_headers` rules to a static answer: a rule's header replaces the default one; several
 * matching rules join with ", " (the documented behaviour of Pages and of Workers static assets).
 */
export function applyHeaderRules(res: Response, text: string, pathname: string): void {
  const touched = new Set<string>();
  for (const rule of parseHeaders(text)) {
    if (!rule.pattern.test(pathname)) continue;
    for (const name of rule.detach) res.headers.delete(name);
    for (const [name, value] of rule.set) {
      const key = name.toLowerCase();
      if (touched.has(key)) res.headers.append(name, value);
      else res.headers.set(name, value);
      touched.add(key);
    }
  }
}

/** `_routes.json`: which paths invoke the Functions (`include`/`exclude`, globs with `*`). Default: all. */
export function routesInclude(routesJson: string | undefined, pathname: string): boolean {
  if (!routesJson) return true;
  try {
    const r = JSON.parse(routesJson) as { include?: string[]; exclude?: string[] };
    const hit = (list: string[] | undefined) => (list ?? []).some((p) => pathPattern(p).test(pathname));
    return hit(r.include ?? ['/*']) && !hit(r.exclude);
  } catch {
    return true;
  }
}

/** `:name` in a redirect target → the matched placeholder (left as written when unmatched). */
export function fillPlaceholders(to: string, groups: Record<string, string | undefined>): string {
  return to.replace(/:([A-Za-z]\w*)/g, (m, name: string) => groups[name] ?? m);
}

/** A special file as stored (base64) → its text. */
export function decode(b64: string | undefined): string | undefined {
  return b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');
}
