import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRouter, startUpstream, seedVersion, type ReceivedRequest, type RunningRouter, type Upstream } from './harness.ts';

let upstream: Upstream;
let router: RunningRouter;
const HOST = 'shop.apps.nextdeploy.test';

beforeAll(async () => {
  upstream = await startUpstream();
  router = await startRouter({ upstreamPort: upstream.port, adminToken: 'unused' });
  await seedVersion(router.kv, {
    app: 'shop',
    version: 'v7',
    defaultTarget: 'https://shop.pages.dev',
    routes: { '/api': 'https://api.shop.pages.dev' },
  }, { live: true });
});

afterAll(async () => {
  await router?.dispose();
  await upstream?.close();
});

/** A raw HTTP/1.1 request to the router, so connection-level headers can be sent as a client would. */
function rawRequest(method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: router.url.hostname, port: router.url.port, method, path, headers: { host: HOST, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))]);
}

describe('request forwarding', () => {
  it('preserves method, path, query and body', async () => {
    const body = JSON.stringify({ hello: 'wörld', n: [1, 2, 3] });
    const res = await router.fetch(HOST, '/api/items/42?expand=a&expand=b', { method: 'PATCH', body, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    const got = (await res.json()) as ReceivedRequest;
    expect(got).toMatchObject({ method: 'PATCH', url: 'https://api.shop.pages.dev/api/items/42?expand=a&expand=b', body });
    expect(got.headers['content-type']).toBe('application/json');
  });

  it('forwards a 2 MiB body intact', async () => {
    const body = 'x'.repeat(2 * 1024 * 1024 - 3) + 'end';
    const res = await router.fetch(HOST, '/upload', { method: 'PUT', body });
    const got = (await res.json()) as ReceivedRequest;
    expect(got.body.length).toBe(body.length);
    expect(got.body.endsWith('end')).toBe(true);
  });

  it('drops hop-by-hop headers, keeps end-to-end ones, and sets X-Forwarded-* itself', async () => {
    const res = await rawRequest('GET', '/page', {
      connection: 'keep-alive, x-hop-secret',
      'x-hop-secret': 'leak',
      'keep-alive': 'timeout=5',
      'proxy-authorization': 'Basic c2VjcmV0',
      te: 'trailers',
      'x-custom': 'kept',
      authorization: 'Bearer app-user-token',
      cookie: 'a=1; b=2',
      'x-forwarded-host': 'evil.example.com',
      'x-forwarded-proto': 'http',
      'x-forwarded-for': '6.6.6.6',
      'cf-connecting-ip': '203.0.113.9',
    });
    expect(res.status).toBe(200);
    const got = JSON.parse(res.body) as ReceivedRequest;
    for (const h of ['x-hop-secret', 'keep-alive', 'proxy-authorization', 'te', 'upgrade', 'transfer-encoding']) expect(got.headers[h], h).toBeUndefined();
    expect(got.headers).toMatchObject({ 'x-custom': 'kept', authorization: 'Bearer app-user-token', cookie: 'a=1; b=2' });
    expect(got.headers['x-forwarded-host']).toBe(HOST);
    expect(got.headers['x-forwarded-proto']).toBe('http'); // the router was reached over plain http here
    expect(got.headers['x-forwarded-for']).not.toContain('6.6.6.6');
    expect(got.headers['x-forwarded-for']).toBe('203.0.113.9'); // CF-Connecting-IP: the client as Cloudflare saw it
  });

  it('sets X-Forwarded-Proto https for https requests', async () => {
    const got = (await (await router.fetch(HOST, '/p')).json()) as ReceivedRequest;
    expect(got.headers['x-forwarded-proto']).toBe('https');
    expect(got.headers['x-forwarded-host']).toBe(HOST);
  });

  it('streams the request body to the deployment as it arrives', async () => {
    let firstChunkSeen!: () => void;
    const firstChunk = new Promise<void>((resolve) => (firstChunkSeen = resolve));
    upstream.handleRaw((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => {
        text += c.toString('utf8');
        if (text.includes('first')) firstChunkSeen();
      });
      req.on('end', () => res.end(`got:${text}`));
    });
    try {
      const encoder = new TextEncoder();
      let sendRest!: () => void;
      const rest = new Promise<void>((resolve) => (sendRest = resolve));
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(encoder.encode('first|'));
          await rest;
          controller.enqueue(encoder.encode('second'));
          controller.close();
        },
      });
      const response = router.fetch(HOST, '/upload', { method: 'POST', body, duplex: 'half' } as RequestInit);
      await withTimeout(firstChunk, 5000, 'upstream never saw the first chunk before the body ended');
      sendRest();
      expect(await (await response).text()).toBe('got:first|second');
    } finally {
      upstream.handle(null);
    }
  });
});

describe('response forwarding', () => {
  it('streams the response body to the client as the deployment sends it', async () => {
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    upstream.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('chunk-1;');
      void finished.then(() => res.end('chunk-2'));
    });
    try {
      // identity: a compressing hop in between would legitimately buffer; the router must not.
      const res = await withTimeout(router.fetch(HOST, '/stream', { headers: { 'accept-encoding': 'identity' } }), 5000, 'response headers were held back');
      const reader = res.body!.getReader();
      const first = await withTimeout(reader.read(), 5000, 'first chunk was buffered');
      expect(new TextDecoder().decode(first.value)).toBe('chunk-1;');
      finish();
      let rest = '';
      for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
      expect(rest).toBe('chunk-2');
    } finally {
      upstream.handle(null);
    }
  });

  it('passes status, headers and every Set-Cookie back, tagged with the version', async () => {
    upstream.handle((_req, res) => {
      res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; HttpOnly']);
      res.setHeader('x-app', 'yes');
      res.setHeader('cache-control', 'public, max-age=60');
      res.statusCode = 418;
      res.end('teapot');
    });
    try {
      const res = await router.fetch(HOST, '/tea');
      expect(res.status).toBe(418);
      expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; HttpOnly']);
      expect(res.headers.get('x-app')).toBe('yes');
      expect(res.headers.get('cache-control')).toBe('public, max-age=60');
      expect(res.headers.get('x-nextdeploy-version')).toBe('v7');
      expect(await res.text()).toBe('teapot');
    } finally {
      upstream.handle(null);
    }
  });

  it.each([301, 302, 307, 308])('passes a %i redirect through without following it', async (status) => {
    upstream.handle((_req, res) => {
      res.writeHead(status, { location: 'https://shop.pages.dev/login?next=%2Fapi' });
      res.end();
    });
    try {
      const before = upstream.received.length;
      const res = await router.fetch(HOST, '/api/private', { redirect: 'manual' });
      expect(res.status).toBe(status);
      expect(res.headers.get('location')).toBe('https://shop.pages.dev/login?next=%2Fapi');
      expect(upstream.received.length).toBe(before + 1);
    } finally {
      upstream.handle(null);
    }
  });

  it('answers HEAD without a body', async () => {
    const res = await rawRequest('HEAD', '/x', {});
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
  });

  it('answers 502 upstream_unreachable when the deployment cannot be reached', async () => {
    upstream.handle((req) => req.socket.destroy());
    try {
      const res = await router.fetch(HOST, '/down');
      expect(res.status).toBe(502);
      expect(res.headers.get('x-nextdeploy-error')).toBe('upstream_unreachable');
      expect(res.headers.get('x-nextdeploy-version')).toBe('v7');
    } finally {
      upstream.handle(null);
    }
  });
});
