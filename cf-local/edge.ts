/**
 * The edge: one HTTP server that answers by Host header, as Cloudflare's network would:
 *   1. a zone Workers route pattern matches → that Worker (in Miniflare);
 *   2. a Workers Custom Domain (exact hostname) → its Worker's deployment;
 *   3. `<script>.<subdomain>.workers.dev` and its version Preview URLs;
 *   4. `<short_id>.<project>.pages.dev`, `<branch>.<project>.pages.dev`, `<project>.pages.dev` → a Pages deployment;
 *   5. an ACTIVE Pages custom domain → the project's production deployment (a pending one answers 522).
 * Workers' outbound fetch() comes back here in-process, skipping routes (Workers custom domains,
 * workers.dev, Pages and Pages custom domains answer; anything else is 502: no internet).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { PAGES_DEV_SUFFIX } from './constants.ts';
import { globMatches } from './glob.ts';
import { pagesFunctionName, type AccountModel } from './account-model.ts';
import { ACME_CHALLENGE_PREFIX, acmeAnswer } from './certificate-authority.ts';
import { domainStatus } from './pages/domains.ts';
import { findDomainByName } from './pages/domain-records.ts';
import { findDeploymentById, findDeploymentByShortId, isLive, latestForBranch, productionDeployment, stageState } from './pages/model.ts';
import { findProject } from './pages/projects.ts';
import { workerDomainForHost } from './workers/custom-domains.ts';
import { listRoutes } from './workers/model.ts';
import { answerVersion, resolveWorkersDev, routedVersion } from './workers/workers-dev.ts';
import { MIME, applyHeaderRules, decode, fillPlaceholders, parseRedirects, routesInclude } from './pages/special-files.ts';
import type { DeploymentRecord, RouteRecord } from './state.ts';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(status: number, title: string, body: string, headers: Record<string, string> = {}): Response {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
  return new Response(html, { status, headers: { 'content-type': 'text/html; charset=utf-8', server: 'cloudflare', ...headers } });
}

/** Does a Workers route pattern (`*.apps.example.com/*`) match this host and path? */
export function routeMatches(pattern: string, host: string, pathname: string): boolean {
  const p = pattern.replace(/^https?:\/\//, '');
  const slash = p.indexOf('/');
  const hostPat = slash === -1 ? p : p.slice(0, slash);
  const pathPat = slash === -1 ? '/*' : p.slice(slash);
  return globMatches(hostPat, host, { ignoreCase: true }) && globMatches(pathPat, pathname, { ignoreCase: true });
}

export class Edge {
  constructor(private readonly account: AccountModel) {}

  /** The most specific route with a running script for this request, if any. */
  matchRoute(host: string, pathname: string): RouteRecord | undefined {
    return listRoutes(this.account, {})
      .filter((r) => r.script && this.account.runtime.hasScript(r.script) && routeMatches(r.pattern, host, pathname))
      .sort((a, b) => b.pattern.length - a.pattern.length)[0];
  }

  /** Answer a request at the edge; `undefined` when no site exists for the host. */
  async handle(request: Request, opts: { fromWorker?: boolean } = {}): Promise<Response | undefined> {
    const url = new URL(request.url);
    const host = url.hostname.toLowerCase();
    const overrides = request.headers.get('cloudflare-workers-version-overrides');
    // Routes first, even on a Workers custom domain's hostname: "Custom Domains are evaluated
    // before Route rules, but take lower precedence" and "Routes can fetch() Custom Domains and
    // take precedence if configured on the same hostname" (developers.cloudflare.com/workers/
    // configuration/routing/custom-domains, .../platform/routing). A Worker's own fetch() skips
    // routes ("Routes cannot be the target of a same-zone fetch() call") but reaches custom
    // domains ("Custom Domains can also be invoked within the same zone via fetch()"), so a route
    // Worker's fetch(request) to its hostname is answered by the custom domain's Worker.
    if (!opts.fromWorker) {
      const route = this.matchRoute(host, url.pathname);
      if (route) {
        // A deployed script runs the version its deployment picks, assets first; else its one upload.
        const v = routedVersion(this.account, route.script!, overrides);
        return v ? answerVersion(this.account, v, request) : this.account.runtime.fetchWorker(route.script!, request);
      }
    }
    const workerDomain = workerDomainForHost(this.account, host);
    if (workerDomain) {
      // Every path of the hostname goes to the version the Worker's active deployment picks.
      const v = routedVersion(this.account, workerDomain.service, overrides);
      return v ? answerVersion(this.account, v, request) : this.account.runtime.fetchWorker(workerDomain.service, request);
    }
    const workersDev = resolveWorkersDev(this.account, host, overrides);
    if (workersDev) {
      if ('missing' in workersDev) return page(404, 'There is nothing here yet', `<p>${escapeHtml(workersDev.missing)}.</p>`);
      return answerVersion(this.account, workersDev.version, request);
    }
    const suffix = `.${PAGES_DEV_SUFFIX}`;
    // The labels before pages.dev (`<project>`, `<label>.<project>`); null for any other host.
    const sub = host.endsWith(suffix) ? host.slice(0, -suffix.length) : null;
    const domain = sub === null ? findDomainByName(this.account, host) : undefined;
    if (url.pathname.startsWith(ACME_CHALLENGE_PREFIX)) {
      // Pages answers a pending domain's validation token on every host of its project.
      const project = sub !== null ? sub.split('.').at(-1)! : domain?.project_name;
      if (project !== undefined && (domain === undefined || domainStatus(this.account, domain) !== 'error')) return acmeAnswer(this.account, project, url.pathname);
    }
    if (sub !== null) return this.pagesDev(sub, url, request);
    if (domain) {
      const status = domainStatus(this.account, domain);
      if (status !== 'active') {
        // Source: cloudflare/cloudflare-docs#1068 — a hostname not (yet) set up on Pages hangs and answers 522.
        return page(522, 'Connection timed out', `<p>Error 522. The custom domain ${escapeHtml(host)} is ${status}.</p>`, { 'cf-local-domain-status': status });
      }
      const project = findProject(this.account, domain.project_name);
      const d = project && productionDeployment(this.account, project);
      if (!d) return page(404, 'Nothing is here yet', '<p>If the project exists, it may not be ready yet. Please check back later.</p>');
      return this.serve(d, url, request);
    }
    return undefined;
  }

  private async pagesDev(sub: string, url: URL, request: Request): Promise<Response> {
    const labels = sub.split('.');
    const notFound = () => page(404, 'Nothing is here yet', '<p>If the project exists, it may not be ready yet. Please check back later.</p>');
    if (labels.length === 1) {
      const project = findProject(this.account, labels[0]!);
      const d = project && productionDeployment(this.account, project);
      return d ? this.serve(d, url, request) : notFound();
    }
    if (labels.length !== 2) return notFound();
    const [label, projectName] = labels as [string, string];
    const byId = findDeploymentByShortId(this.account, projectName, label);
    if (byId) return isLive(byId, this.account.now()) ? this.serve(byId, url, request) : notFound();
    const byBranch = latestForBranch(this.account, projectName, label);
    return byBranch ? this.serve(byBranch, url, request) : notFound();
  }

  /** The `ASSETS` binding of a deployment's Functions: its static files. */
  assets = async (deploymentId: string, request: Request): Promise<Response> => {
    const d = findDeploymentById(this.account, deploymentId);
    if (!d) return new Response('deployment gone', { status: 404 });
    return this.serveStatic(d, new URL(request.url), request);
  };

  private async serve(d: DeploymentRecord, url: URL, request: Request): Promise<Response> {
    const special = d.specialFiles ?? {};
    if (special['_worker.js'] && !d.failAt && routesInclude(decode(special['_routes.json']), url.pathname)) {
      const res = await this.account.runtime.fetchWorker(pagesFunctionName(d.id), request);
      const out = new Response(res.body, res);
      out.headers.set('x-cf-local-deployment', d.id);
      out.headers.set('x-cf-local-project', d.project_name);
      return out;
    }
    return this.serveStatic(d, url, request);
  }

  private serveStatic(d: DeploymentRecord, url: URL, request: Request, depth = 0): Response {
    const special = d.specialFiles ?? {};
    const redirects = special['_redirects'] ? parseRedirects(decode(special['_redirects'])!) : [];
    for (const rule of redirects) {
      const m = rule.from.exec(url.pathname);
      if (!m) continue;
      const to = fillPlaceholders(rule.to, { ...m.groups, splat: m.groups?.splat });
      if (rule.status === 200 && depth < 5) {
        const target = new URL(to, url);
        return this.serveStatic(d, target, request, depth + 1);
      }
      return new Response(null, { status: rule.status, headers: { location: to, 'x-cf-local-deployment': d.id, server: 'cloudflare' } });
    }
    const res = this.serveFile(d, url, request);
    if (special['_headers']) applyHeaderRules(res, decode(special['_headers'])!, url.pathname);
    return res;
  }

  private serveFile(d: DeploymentRecord, url: URL, request: Request): Response {
    const headers: Record<string, string> = {
      'x-cf-local-deployment': d.id,
      'x-cf-local-project': d.project_name,
      'cache-control': 'public, max-age=0, must-revalidate',
      server: 'cloudflare',
    };
    const head = request.method === 'HEAD';
    if (!d.manifest) {
      const { latest } = stageState(d, this.account.now());
      const html =
        `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(d.project_name)} · ${d.short_id}</title></head><body>` +
        `<h1>${escapeHtml(d.project_name)}</h1><dl>` +
        `<dt>deployment</dt><dd id="deployment-id">${d.id}</dd><dt>short id</dt><dd id="short-id">${d.short_id}</dd>` +
        `<dt>branch</dt><dd id="branch">${escapeHtml(d.branch)}</dd><dt>environment</dt><dd id="environment">${d.environment}</dd>` +
        `<dt>commit</dt><dd id="commit">${escapeHtml(d.commit_hash)}</dd><dt>stage</dt><dd>${latest.name}: ${latest.status}</dd>` +
        `<dt>path</dt><dd id="path">${escapeHtml(url.pathname)}</dd></dl></body></html>`;
      return new Response(head ? null : html, { status: 200, headers: { ...headers, 'content-type': 'text/html; charset=utf-8' } });
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      pathname = url.pathname;
    }
    const manifest = d.manifest;
    const candidates = pathname.endsWith('/')
      ? [`${pathname}index.html`]
      : [pathname, `${pathname}.html`, `${pathname}/index.html`];
    let status = 200;
    let path = candidates.find((c) => manifest[c] !== undefined);
    if (!path) {
      // Pages: a top-level 404.html is the not-found page; without one, the project is a single-page app.
      if (manifest['/404.html']) {
        path = '/404.html';
        status = 404;
      } else if (manifest['/index.html']) {
        path = '/index.html';
      }
    }
    const asset = path ? this.account.store.getAsset(manifest[path]!) : undefined;
    if (!path || !asset) return page(404, 'Not found', `<p>${escapeHtml(pathname)}</p>`, headers);
    const ext = path.split('.').pop()?.toLowerCase() ?? '';
    const contentType = asset.contentType && asset.contentType !== 'application/octet-stream' ? asset.contentType : (MIME[ext] ?? 'application/octet-stream');
    return new Response(head ? null : asset.bytes, { status, headers: { ...headers, 'content-type': contentType, etag: `"${manifest[path]}"` } });
  }

  /** For Workers' outbound fetch(): Workers custom domains, workers.dev and Pages answer; nothing else is reachable. */
  outbound = async (request: Request): Promise<Response> => {
    const res = await this.handle(request, { fromWorker: true });
    if (res) return res;
    return new Response(`cf-local: ${new URL(request.url).hostname} is not reachable from the local edge (no internet)`, {
      status: 502,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  };

  /** node:http adapter. */
  nodeHandler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const host = String(req.headers.host ?? '127.0.0.1').replace(/:\d+$/, '');
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (v === undefined || ['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive'].includes(k)) continue;
        for (const item of Array.isArray(v) ? v : [v]) headers.append(k, item);
      }
      const method = req.method ?? 'GET';
      const init: RequestInit & { duplex?: 'half' } = { method, headers };
      if (method !== 'GET' && method !== 'HEAD') {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        init.body = Buffer.concat(chunks);
      }
      const request = new Request(`https://${host}${req.url ?? '/'}`, init);
      const response =
        (await this.handle(request)) ??
        page(404, 'Nothing is here yet', `<p>No site is served for ${escapeHtml(host)} by the local Cloudflare.</p>`);
      const out: Record<string, string | string[]> = {};
      response.headers.forEach((value, key) => {
        if (key === 'set-cookie' || key === 'content-length' || key === 'transfer-encoding' || key === 'content-encoding') return;
        out[key] = value;
      });
      const cookies = response.headers.getSetCookie?.() ?? [];
      if (cookies.length) out['set-cookie'] = cookies;
      res.writeHead(response.status, out);
      if (!response.body || method === 'HEAD') {
        res.end();
        return;
      }
      Readable.fromWeb(response.body as import('node:stream/web').ReadableStream).pipe(res);
    } catch (err) {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`cf-local edge error: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
}
