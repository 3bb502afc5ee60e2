import { matchRoute, upstreamUrl, type CompiledTarget, type RouteTable } from '../../core/route-table.ts';
import { failure, RouterFailure } from './failures.ts';

/** RFC 9110 §7.6.1 hop-by-hop headers: they describe one connection, never the next one. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/** Paths a certificate authority fetches to validate a custom domain; they bypass the route table. */
export function isCertificateValidationPath(pathname: string): boolean {
  return pathname.startsWith('/.well-known/acme-challenge/') || pathname.startsWith('/.well-known/pki-validation/');
}

/**
 * Proxies a request to the deployment its route table picks: method, path, query and body
 * (streamed) preserved; hop-by-hop headers dropped; `X-Forwarded-*` set by the router (client
 * values are not trusted); redirects passed back untouched. Certificate-validation paths go to
 * the default target's origin with their path as received.
 */
export async function proxyRequest(request: Request, url: URL, table: RouteTable): Promise<Response> {
  const acme = isCertificateValidationPath(url.pathname);
  const target: CompiledTarget = acme ? table.defaultTarget : matchRoute(table, url.pathname).target;
  // Validation requests go to the deployment's root, whatever base path the default target has.
  const upstream = acme ? upstreamUrl({ ...target, basePath: '' }, url.pathname, url.search) : upstreamUrl(target, url.pathname, url.search);
  const versionHeader = { 'x-nextdeploy-version': table.version };
  if (upstream === null) {
    console.error(`nextdeploy-router: ${table.app}@${table.version} target ${target.url} refused: ${target.refusal}`);
    return failure(502, RouterFailure.targetRefused, 'Bad gateway: this route points at a target the router does not allow.', versionHeader);
  }

  const headers = new Headers(request.headers);
  dropHopByHop(headers);
  headers.set('x-forwarded-host', url.host);
  headers.set('x-forwarded-proto', url.protocol.slice(0, -1));
  const client = request.headers.get('cf-connecting-ip');
  if (client !== null) headers.set('x-forwarded-for', client);
  else headers.delete('x-forwarded-for');

  let response: Response;
  try {
    response = await fetch(upstream, {
      method: request.method,
      headers,
      body: request.body,
      redirect: 'manual',
    });
  } catch (error) {
    console.error(`nextdeploy-router: ${table.app}@${table.version} upstream ${new URL(upstream).host} failed: ${String(error)}`);
    return failure(502, RouterFailure.upstreamUnreachable, 'Bad gateway: the deployment could not be reached.', versionHeader);
  }
  // One copy of the upstream's status and headers (the fetched response's own are immutable).
  const out = new Response(response.body, response);
  dropHopByHop(out.headers);
  out.headers.set('x-nextdeploy-version', table.version);
  return out;
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function dropHopByHop(headers: Headers): void {
  // Headers a Connection header names are hop-by-hop for this connection too.
  const connection = headers.get('connection');
  if (connection !== null) {
    for (const name of connection.split(',')) {
      const n = name.trim();
      if (HEADER_NAME.test(n)) headers.delete(n);
    }
  }
  for (const name of HOP_BY_HOP) headers.delete(name);
}
