/**
 * How a Worker version's static assets answer, per its `assets.config` (the wrangler `assets`
 * block OpenNext writes): `html_handling` (auto-trailing-slash by default), `not_found_handling`
 * (none, 404-page, single-page-application) and `run_worker_first` (false, true, or route patterns
 * with `!` exclusions). Source: developers.cloudflare.com/workers/static-assets/routing.
 */
import type { AccountModel } from '../account-model.ts';
import { globMatches } from '../glob.ts';
import { MIME, applyHeaderRules } from '../pages/special-files.ts';
import type { VersionAssets, WorkerVersionRecord } from '../state.ts';

type Manifest = VersionAssets['manifest'];

function has(m: Manifest, p: string): boolean {
  return Object.hasOwn(m, p);
}

/** The manifest path a request path names, or a redirect to the canonical URL (auto-trailing-slash). */
function resolve(m: Manifest, pathname: string, mode: string): { path: string } | { redirect: string } | undefined {
  if (mode === 'none') return has(m, pathname) ? { path: pathname } : undefined;
  if (pathname.endsWith('/index.html') && has(m, pathname)) return { redirect: pathname.slice(0, -'index.html'.length) };
  if (pathname.endsWith('.html') && has(m, pathname)) return mode === 'force-trailing-slash' ? { redirect: `${pathname.slice(0, -5)}/` } : { redirect: pathname.slice(0, -5) };
  if (pathname.endsWith('/')) {
    if (has(m, `${pathname}index.html`)) return mode === 'drop-trailing-slash' && pathname !== '/' ? { redirect: pathname.slice(0, -1) } : { path: `${pathname}index.html` };
    const bare = pathname.slice(0, -1);
    if (bare && has(m, `${bare}.html`)) return mode === 'force-trailing-slash' ? { path: `${bare}.html` } : { redirect: bare };
    return undefined;
  }
  if (has(m, pathname)) return { path: pathname };
  if (has(m, `${pathname}.html`)) return mode === 'force-trailing-slash' ? { redirect: `${pathname}/` } : { path: `${pathname}.html` };
  if (has(m, `${pathname}/index.html`)) return mode === 'drop-trailing-slash' ? { path: `${pathname}/index.html` } : { redirect: `${pathname}/` };
  return undefined;
}

function fileResponse(account: AccountModel, m: Manifest, p: string, status: number, request: Request): Response {
  const entry = m[p]!;
  const got = account.store.getAsset(entry.hash);
  if (!got) return new Response('asset missing from the store', { status: 500 });
  const ext = p.slice(p.lastIndexOf('.') + 1).toLowerCase();
  const type = MIME[ext] ?? (got.contentType && got.contentType !== 'application/octet-stream' ? got.contentType : 'application/octet-stream');
  const etag = `"${entry.hash}"`;
  const headers = { 'content-type': type, etag, 'cache-control': 'public, max-age=0, must-revalidate', server: 'cloudflare' };
  if (status === 200 && request.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers });
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(got.bytes), { status, headers });
}

/** The nearest `404.html` up the path (404-page handling). */
function nearest404(m: Manifest, pathname: string): string | undefined {
  const parts = pathname.split('/').slice(1, -1);
  for (let i = parts.length; i >= 0; i--) {
    const p = `/${[...parts.slice(0, i), '404.html'].join('/')}`;
    if (has(m, p)) return p;
  }
  return undefined;
}

/** Assets alone answering a request: a file, a redirect, or the not-found handling's answer. */
export function serveAssets(account: AccountModel, assets: VersionAssets, request: Request): Response {
  const res = assetAnswer(account, assets, request);
  // The upload's `_headers` (assets.config._headers, as wrangler sends it) applies to asset answers only.
  const rules = assets.config._headers;
  if (typeof rules === 'string' && res.status !== 307) applyHeaderRules(res, rules, decodeSafe(new URL(request.url).pathname));
  return res;
}

function assetAnswer(account: AccountModel, assets: VersionAssets, request: Request): Response {
  const url = new URL(request.url);
  const pathname = decodeSafe(url.pathname);
  const m = assets.manifest;
  const hit = resolve(m, pathname, htmlHandling(assets));
  if (hit && 'redirect' in hit) return new Response(null, { status: 307, headers: { location: `${hit.redirect}${url.search}` } });
  if (hit) return fileResponse(account, m, hit.path, 200, request);
  const nf = String(assets.config.not_found_handling ?? 'none');
  if (nf === 'single-page-application' && has(m, '/index.html')) return fileResponse(account, m, '/index.html', 200, request);
  const page = nf === '404-page' ? nearest404(m, pathname) : undefined;
  if (page) return fileResponse(account, m, page, 404, request);
  return new Response(null, { status: 404 });
}

/** Whether a request to this version goes to its Worker before (instead of) a matching asset. */
export function runsWorkerFirst(assets: VersionAssets, pathname: string): boolean {
  const rule = assets.config.run_worker_first;
  if (rule === true) return true;
  if (!Array.isArray(rule)) return false;
  const patterns = rule.filter((r): r is string => typeof r === 'string');
  if (patterns.some((p) => p.startsWith('!') && globMatches(p.slice(1), pathname))) return false;
  return patterns.some((p) => !p.startsWith('!') && globMatches(p, pathname));
}

/**
 * A request to a version: an asset that matches answers before the Worker (unless
 * run_worker_first says otherwise); everything else goes to the Worker (`runWorker`), or, for an
 * assets-only version, to the not-found handling.
 */
export async function serveVersion(account: AccountModel, v: WorkerVersionRecord, request: Request, runWorker: () => Promise<Response>): Promise<Response> {
  const assets = v.assets;
  if (!assets) return runWorker();
  const hasWorker = v.modules.length > 0;
  const url = new URL(request.url);
  if (hasWorker && runsWorkerFirst(assets, url.pathname)) return runWorker();
  // An asset (or its canonical redirect) answers; with none the Worker does (its ASSETS binding still applies the not-found handling).
  if (!hasWorker || resolve(assets.manifest, decodeSafe(url.pathname), htmlHandling(assets))) return serveAssets(account, assets, request);
  return runWorker();
}

function htmlHandling(assets: VersionAssets): string {
  return String(assets.config.html_handling ?? 'auto-trailing-slash');
}

function decodeSafe(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}
