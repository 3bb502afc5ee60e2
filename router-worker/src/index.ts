import { ADMIN_PREFIX, handleAdmin } from './admin.ts';
import { routerConfig } from './config.ts';
import { failure, RouterFailure } from './failures.ts';
import { cachedAppForHost } from './host.ts';
import { lookupApp } from './lookup.ts';
import { isCertificateValidationPath, proxyRequest } from './proxy.ts';
import { forwardCertificateValidation } from './certificate-validation.ts';

/**
 * The nextdeploy router. `/__health` and `/__admin/*` are the router's own on every host;
 * everything else must come to `<app>.<APPS_DOMAIN>` and is proxied to the deployment the app's
 * live route table picks.
 */
async function fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === '/__health') {
    return new Response('ok\n', { headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } });
  }
  const config = routerConfig(env);
  if (url.pathname.startsWith(ADMIN_PREFIX)) return handleAdmin(request, url, env, config);

  const app = cachedAppForHost(url.hostname, config.appsDomain);
  if (app === null) return failure(404, RouterFailure.unknownHost, 'Not found: this host is not an app served by this router.');
  const found = await lookupApp(env.ROUTES, app, config, (p) => ctx.waitUntil(p));
  switch (found.kind) {
    case 'missing':
      if (isCertificateValidationPath(url.pathname)) return forwardCertificateValidation(request, url, env.ROUTES, app);
      return failure(404, RouterFailure.appNotFound, `Not found: app "${app}" has no live version.`);
    case 'corrupt':
      // The app exists but its live record cannot be trusted: a gateway fault, not a missing page.
      console.error(`nextdeploy-router: ${app}: ${found.reason}`);
      return failure(502, RouterFailure.recordCorrupt, `Bad gateway: the live route record of app "${app}" is unreadable.`);
    case 'unavailable':
      return failure(503, RouterFailure.routesUnavailable, `Service unavailable: the route table of app "${app}" could not be read; retry shortly.`, { 'retry-after': '5' });
    case 'found':
      return proxyRequest(request, url, found.table);
  }
}

export default { fetch } satisfies ExportedHandler<Env>;
