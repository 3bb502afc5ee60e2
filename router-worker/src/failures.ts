/**
 * Why the router answered instead of the deployment. Every such response carries the code in
 * `x-nextdeploy-error` and a plain-text message; tests and checks assert the code.
 */
export const RouterFailure = {
  /** The host is not `<app>.<APPS_DOMAIN>`: the router is not an open proxy. */
  unknownHost: 'unknown_host',
  /** No active record for the app (never deployed, or deleted). */
  appNotFound: 'app_not_found',
  /** The active record is not valid JSON, fails its schema, or names another app. */
  recordCorrupt: 'record_corrupt',
  /** Workers KV could not be read and the isolate had no earlier copy of the app's table. */
  routesUnavailable: 'routes_unavailable',
  /** The matched target is not an https origin the record allows. */
  targetRefused: 'target_refused',
  /** The deployment could not be reached. */
  upstreamUnreachable: 'upstream_unreachable',
  /** ADMIN_TOKEN is unset or empty, so every admin call is refused. */
  adminDisabled: 'admin_disabled',
  /** Missing or wrong bearer token. */
  unauthorized: 'unauthorized',
  badRequest: 'bad_request',
  methodNotAllowed: 'method_not_allowed',
  notFound: 'not_found',
  /** The admin switch named a version the versions list does not hold. */
  unknownVersion: 'unknown_version',
  /** The admin switch named a version whose state is `failed`. */
  versionFailed: 'version_failed',
  /** The version's metadata is missing or invalid, so it cannot become live. */
  versionInvalid: 'version_invalid',
} as const;
export type RouterFailure = (typeof RouterFailure)[keyof typeof RouterFailure];

/** A plain-text answer from the router itself, tagged with its failure code. */
export function failure(status: number, code: RouterFailure, message: string, headers?: HeadersInit): Response {
  const response = new Response(`${message}\n`, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
  response.headers.set('x-nextdeploy-error', code);
  return response;
}
