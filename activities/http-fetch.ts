import { request } from 'undici';

/** Statuses whose response has no body (a Response refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

type RequestOptions = NonNullable<Parameters<typeof request>[1]>;

/**
 * The `fetch` the Cloudflare SDK is given: undici's `request` (the same HTTP/1.1 pool as the
 * built-in fetch) for the API's JSON calls, the built-in fetch for anything else (multipart
 * forms, streams). Same contract as fetch for the SDK: a Response with status, headers and a
 * body; an aborted call rejects with the signal's reason (the SDK's timeout), a failed
 * connection with `TypeError('fetch failed', { cause })`. Why: fetch's WHATWG streams and
 * Request/Response objects cost the worker about as much CPU as everything else a Cloudflare call
 * does; a 200-deploy fleet makes ~4,000 of them (`npm run bench`).
 */
export const httpFetch: typeof fetch = async (input, init) => {
  const body = init?.body;
  if (!(body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array) || !(typeof input === 'string' || input instanceof URL)) {
    return fetch(input, init);
  }
  const signal = init?.signal ?? undefined;
  let answer: Awaited<ReturnType<typeof request>>;
  let bytes: ArrayBuffer;
  try {
    answer = await request(input, {
      method: (init?.method ?? 'GET') as RequestOptions['method'],
      headers: Object.fromEntries(init?.headers instanceof Headers ? init.headers : new Headers(init?.headers)),
      body: body ?? null,
      ...(signal ? { signal } : {}),
    });
    bytes = await answer.body.arrayBuffer();
  } catch (err) {
    if (signal?.aborted) throw signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
    throw new TypeError('fetch failed', { cause: err });
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  return new Response(NULL_BODY.has(answer.statusCode) ? null : bytes, { status: answer.statusCode, headers });
};
