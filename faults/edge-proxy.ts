/**
 * A pass-through proxy in front of the local edge, given to workers as NEXTDEPLOY_EDGE_URL, so a
 * test can hold the synthetic checks of one hostname (to crash a worker while they run) or make
 * them fail (to drive the saga after the flip).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KEEP_ALIVE_MS } from '../cf-local/index.ts';

/** What the proxy does with requests for one hostname. */
export interface EdgeRule {
  /** Hold each request this long before forwarding. */
  delayMs?: number;
  /** Answer this status instead of forwarding (a broken deployment, as checks see it). */
  status?: number;
}

export interface EdgeProxy {
  url: string;
  /** Set (or with `undefined` clear) the rule for a hostname. */
  rule(host: string, rule: EdgeRule | undefined): void;
  /** Requests seen per hostname. */
  seen(host: string): number;
  stop(): Promise<void>;
}

export async function startEdgeProxy(edgeUrl: string): Promise<EdgeProxy> {
  const target = new URL(edgeUrl);
  const rules = new Map<string, EdgeRule>();
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
    counts.set(host, (counts.get(host) ?? 0) + 1);
    const rule = rules.get(host);
    const forward = () => {
      if (rule?.status) {
        res.writeHead(rule.status, { 'content-type': 'text/plain' }).end(`edge-proxy: forced ${rule.status}\n`);
        return;
      }
      const upstream = http.request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502).end('edge-proxy: upstream error\n');
        else res.destroy();
      });
      req.pipe(upstream);
    };
    if (rule?.delayMs) setTimeout(forward, rule.delayMs);
    else forward();
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    rule(host, rule) {
      if (rule) rules.set(host.toLowerCase(), rule);
      else rules.delete(host.toLowerCase());
    },
    seen: (host) => counts.get(host.toLowerCase()) ?? 0,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
