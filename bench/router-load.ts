/**
 * Load and fixtures for bench/router.ts: the route tables, the request paths, and the two ways of
 * sending them (interleaved bursts for throughput, one-at-a-time turns for latency).
 */
import { request as httpRequest, type Agent } from 'node:http';
import type { Miniflare } from 'miniflare';
import { buildActiveRecord } from '../core/kv-records.ts';
import type { Metadata } from '../core/metadata.ts';
import { COMPATIBILITY_DATE } from '../router-worker/test/harness.ts';

/** Same-length route names at every table size, so path hashing costs the same. */
export const pad = (i: number) => String(i).padStart(5, '0');

/**
 * `routeCount` routes out of `/section-00000/area` … `/section-09999/area`, always including the
 * ten every request path uses (0, 1000, …, 9000): both table sizes serve the very same requests.
 */
export function metadataWith(routeCount: number): Metadata {
  const routes: Record<string, string> = {};
  const stride = 10_000 / routeCount;
  for (let i = 0; i < routeCount; i++) routes[`/section-${pad(i * stride)}/area`] = `https://r${i % 50}.shop.pages.dev`;
  return { app: 'shop', version: `v-${routeCount}`, defaultTarget: 'https://shop.pages.dev', routes };
}

export function recordWith(routeCount: number): string {
  const metadata = metadataWith(routeCount);
  return JSON.stringify(buildActiveRecord({ metadata, allowedHosts: ['*.shop.pages.dev', 'shop.pages.dev'], previousVersion: null, activatedAt: new Date().toISOString(), activatedBy: 'bench' }));
}

/** 64 request paths, the same at every table size: exact hits, deeper paths, unrouted paths. */
export function pathsFor(): string[] {
  const paths: string[] = [];
  for (let i = 0; i < 64; i++) {
    const r = ((i * 7) % 10) * 1000;
    paths.push(i % 4 === 0 ? `/not-routed/${pad(i)}` : i % 4 === 1 ? `/section-${pad(r)}/area` : `/section-${pad(r)}/area/page/${pad(i)}?q=${i}`);
  }
  return paths;
}

/** One Worker under test, reached through the shared workerd by its Host header. */
export interface Target {
  name: string;
  host: string;
  worker: Record<string, unknown>;
  routes?: number;
  latencies: number[];
  seconds: number;
  requests: number;
  /** From the sequential, request-interleaved phase. */
  sequential: number[];
}

export function routerTarget(name: string, domain: string, routes: number, isolateCacheMs: string, script: string): Target {
  return {
    name,
    host: `shop.${domain}`,
    routes,
    latencies: [],
    seconds: 0,
    requests: 0,
    sequential: [],
    worker: {
      name: domain,
      modules: true,
      script,
      compatibilityDate: COMPATIBILITY_DATE,
      routes: [`*.${domain}/*`],
      kvNamespaces: { ROUTES: `routes-${routes}` },
      bindings: { APPS_DOMAIN: domain, CACHE_TTL_SECONDS: '60', ISOLATE_CACHE_MS: isolateCacheMs, ALLOWED_TARGET_HOSTS: '*.pages.dev' },
      outboundService: 'upstream-shim',
    },
  };
}

/** `count` GETs over keep-alive connections, `concurrency` in flight; adds to the target's samples. */
export async function burst(base: URL, target: Target, count: number, concurrency: number, agent: Agent): Promise<void> {
  const paths = pathsFor();
  let next = 0;
  const one = (p: string) =>
    new Promise<void>((resolve, reject) => {
      const start = process.hrtime.bigint();
      const req = httpRequest({ host: base.hostname, port: base.port, path: p, agent, headers: { host: target.host } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`${target.name}: ${p} answered ${res.statusCode}`));
          target.latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
          resolve();
        });
      });
      req.on('error', reject);
      req.end();
    });
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await one(paths[next++ % paths.length]!);
    }),
  );
  target.seconds += (performance.now() - startedAt) / 1000;
  target.requests += count;
}

export async function kvReads(mf: Miniflare, target: Target): Promise<number> {
  const res = await mf.dispatchFetch(`http://${target.host}/__test/kv-reads?reset=1`);
  return ((await res.json()) as { reads: number }).reads;
}

export function reset(target: Target): void {
  target.latencies = [];
  target.seconds = 0;
  target.requests = 0;
}

export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

export function stats(target: Target) {
  const loaded = [...target.latencies].sort((a, b) => a - b);
  const sequential = [...target.sequential].sort((a, b) => a - b);
  return {
    rps: target.requests / target.seconds,
    p50: percentile(loaded, 0.5),
    p99: percentile(loaded, 0.99),
    seqP50: percentile(sequential, 0.5),
    seqP99: percentile(sequential, 0.99),
  };
}

/** One request at a time, the targets taking turns, so every noise spike lands on all of them alike. */
export async function interleavedLatency(base: URL, targets: Target[], perTarget: number, agent: Agent): Promise<void> {
  const paths = pathsFor();
  for (let i = 0; i < perTarget * targets.length; i++) {
    const target = targets[i % targets.length]!;
    const p = paths[Math.floor(i / targets.length) % paths.length]!;
    await new Promise<void>((resolve, reject) => {
      const start = process.hrtime.bigint();
      const req = httpRequest({ host: base.hostname, port: base.port, path: p, agent, headers: { host: target.host } }, (res) => {
        res.resume();
        res.on('end', () => {
          target.sequential.push(Number(process.hrtime.bigint() - start) / 1e6);
          resolve();
        });
      });
      req.on('error', reject);
      req.end();
    });
  }
}
