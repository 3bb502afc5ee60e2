import { failure, RouterFailure } from './failures.ts';

/**
 * Checks `Authorization: Bearer <ADMIN_TOKEN>` in constant time: both sides are hashed to
 * equal-length SHA-256 digests before `timingSafeEqual`, so neither the token's length nor a
 * matching prefix shows in the timing. With ADMIN_TOKEN unset or empty every call is refused.
 * Returns null when authorised, else the refusal to send.
 */
export async function refuseUnauthorized(request: Request, adminToken: string | undefined): Promise<Response | null> {
  if (typeof adminToken !== 'string' || adminToken === '') {
    return failure(403, RouterFailure.adminDisabled, 'Forbidden: the admin API is disabled (ADMIN_TOKEN is not set).');
  }
  const match = /^Bearer +(\S+) *$/i.exec(request.headers.get('authorization') ?? '');
  const presented = match?.[1] ?? '';
  const [a, b] = await Promise.all([sha256(presented), sha256(adminToken)]);
  if (presented === '' || !crypto.subtle.timingSafeEqual(a, b)) {
    return failure(401, RouterFailure.unauthorized, 'Unauthorized: send Authorization: Bearer <ADMIN_TOKEN>.', {
      'www-authenticate': 'Bearer realm="nextdeploy-router"',
    });
  }
  return null;
}

async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
}
