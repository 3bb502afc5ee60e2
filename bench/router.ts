/**
 * Router benchmark (`npm run bench:router`), loopback only, one run of about a minute:
 * requests/s and p50/p99 latency through the router vs. a bare pass-through Worker to the same
 * upstream, with 10 and 10,000 routes; KV reads per request counted by the router's counting
 * entry; pure lookup time at 10 vs 10,000 routes. Prints a table and writes bench/results/router.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { Agent, createServer, request as httpRequest } from 'node:http';
import path from 'node:path';
import { Miniflare, convertV4MiniflareOptions } from 'miniflare';
import { buildActiveRecord, kvKeys } from '../core/kv-records.ts';
import type { Metadata } from '../core/metadata.ts';
import { compileRouteTable, matchRoute } from '../core/route-table.ts';
import { PROJECT_ROOT } from '../devstack/paths.ts';
import { COMPATIBILITY_DATE, ROUTER_DIR, bundleWorker, upstreamShim } from '../router-worker/test/harness.ts';

const BURST = 400;
/** Sequential requests per target for latency, the targets taking turns request by request. */
const LATENCY_REQUESTS = 3000;
const ROUNDS = 15;
const CONCURRENCY = 4;
const WARMUP = 500;
/** Sequential requests against a router whose isolate cache is off: every request is uncached. */
const UNCACHED_REQUESTS = 150;
const BODY = 'x'.repeat(1024);

const PASS_THROUGH = `export default {
  fetch(request) {
    const url = new URL(request.url);
    return fetch('https://shop.pages.dev' + url.pathname + url.search, {
      method: request.method, headers: request.headers, body: request.body, redirect: 'manual',
    });
  },
};`;

/** Same-length route names at every table size, so path hashing costs the same. */
const pad = (i: number) => String(i).padStart(5, '0');

/**
 * `routeCount` routes out of `/section-00000/area` … `/section-09999/area`, always including the
 * ten every request path uses (0, 1000, …, 9000): both table sizes serve the very same requests.
 */
function metadataWith(routeCount: number): Metadata {
  const routes: Record<string, string> = {};
  const stride = 10_000 / routeCount;
  for (let i = 0; i < routeCount; i++) routes[`/section-${pad(i * stride)}/area`] = `https://r${i % 50}.shop.pages.dev`;
  return { app: 'shop', version: `v-${routeCount}`, defaultTarget: 'https://shop.pages.dev', routes };
}

function recordWith(routeCount: number): string {
  const metadata = metadataWith(routeCount);
  return JSON.stringify(buildActiveRecord({ metadata, allowedHosts: ['*.shop.pages.dev', 'shop.pages.dev'], previousVersion: null, activatedAt: new Date().toISOString(), activatedBy: 'bench' }));
}

/** 64 request paths, the same at every table size: exact hits, deeper paths, unrouted paths. */
function pathsFor(): string[] {
  const paths: string[] = [];
  for (let i = 0; i < 64; i++) {
    const r = ((i * 7) % 10) * 1000;
    paths.push(i % 4 === 0 ? `/not-routed/${pad(i)}` : i % 4 === 1 ? `/section-${pad(r)}/area` : `/section-${pad(r)}/area/page/${pad(i)}?q=${i}`);
  }
  return paths;
}

/** One Worker under test, reached through the shared workerd by its Host header. */
interface Target {
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

function routerTarget(name: string, domain: string, routes: number, isolateCacheMs: string, script: string): Target {
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
async function burst(base: URL, target: Target, count: number, concurrency: number, agent: Agent): Promise<void> {
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

async function kvReads(mf: Miniflare, target: Target): Promise<number> {
  const res = await mf.dispatchFetch(`http://${target.host}/__test/kv-reads?reset=1`);
  return ((await res.json()) as { reads: number }).reads;
}

function reset(target: Target): void {
  target.latencies = [];
  target.seconds = 0;
  target.requests = 0;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

function stats(target: Target) {
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
async function interleavedLatency(base: URL, targets: Target[], perTarget: number, agent: Agent): Promise<void> {
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

/** Nanoseconds per matchRoute call on tables of 10 and 10,000 routes, passes interleaved, best pass each. */
function lookupNs(): { small: { ns: number; compileMs: number }; large: { ns: number; compileMs: number } } {
  const setup = (routeCount: number) => {
    const record = buildActiveRecord({ metadata: metadataWith(routeCount), allowedHosts: ['*.shop.pages.dev', 'shop.pages.dev'], previousVersion: null, activatedAt: 'now', activatedBy: 'bench' });
    const compileStart = performance.now();
    const table = compileRouteTable(record);
    return { table, compileMs: performance.now() - compileStart, paths: pathsFor().map((p) => p.split('?')[0]!), best: Infinity };
  };
  const sizes = [setup(10), setup(10_000)];
  const iterations = 500_000;
  let sink = 0;
  for (let pass = 0; pass < 9; pass++) {
    for (const size of sizes) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) sink += matchRoute(size.table, size.paths[i & 63]!).route === null ? 0 : 1;
      size.best = Math.min(size.best, Number(process.hrtime.bigint() - start) / iterations);
    }
  }
  if (sink < 0) console.log(sink);
  const [small, large] = sizes.map((x) => ({ ns: x.best, compileMs: x.compileMs }));
  return { small: small!, large: large! };
}

const fmt = (n: number, d = 2) => n.toFixed(d);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BODY.length });
      res.end(BODY);
    });
  });
  upstream.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamPort = (upstream.address() as { port: number }).port;

  const script = await bundleWorker(path.join(ROUTER_DIR, 'test/counting-entry.ts'));
  const passThrough: Target = {
    name: 'pass-through Worker',
    host: 'shop.pass-through.bench',
    latencies: [],
    seconds: 0,
    requests: 0,
    sequential: [],
    worker: { name: 'pass-through', modules: true, script: PASS_THROUGH, compatibilityDate: COMPATIBILITY_DATE, routes: ['*.pass-through.bench/*'], outboundService: 'upstream-shim' },
  };
  const router10 = routerTarget('router, 10 routes', 'r10.bench', 10, '1000', script);
  const router10k = routerTarget('router, 10,000 routes', 'r10k.bench', 10_000, '1000', script);
  const uncached10 = routerTarget('router, 10 routes, isolate cache off', 'u10.bench', 10, '0', script);
  const uncached10k = routerTarget('router, 10,000 routes, isolate cache off', 'u10k.bench', 10_000, '0', script);
  const loaded = [passThrough, router10, router10k];
  const uncached = [uncached10, uncached10k];
  // One workerd for every target, so they share the machine's noise alike.
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: [
        ...[...loaded, ...uncached].map((t) => t.worker),
        { name: 'upstream-shim', modules: true, script: upstreamShim(upstreamPort), compatibilityDate: COMPATIBILITY_DATE },
      ],
    } as never),
  );
  const base = await mf.ready;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  console.log(`router bench: ${ROUNDS} rounds × ${BURST}-request bursts per target, concurrency ${CONCURRENCY}, loopback upstream :${upstreamPort}`);
  const reads = new Map<Target, number>();
  try {
    for (const routes of [10, 10_000]) {
      const kv = await mf.getKVNamespace('ROUTES', routes === 10 ? 'r10.bench' : 'r10k.bench');
      await kv.put(kvKeys.active('shop'), recordWith(routes));
    }
    for (const t of loaded) {
      await burst(base, t, WARMUP, CONCURRENCY, agent);
      reset(t);
      if (t.routes !== undefined) await kvReads(mf, t);
    }
    // Short bursts, interleaved in a rotating order, so drift on a shared machine hits all alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < loaded.length; i++) await burst(base, loaded[(round + i) % loaded.length]!, BURST, CONCURRENCY, agent);
    }
    for (const t of loaded) if (t.routes !== undefined) reads.set(t, await kvReads(mf, t));
    await interleavedLatency(base, loaded, LATENCY_REQUESTS, agent);
    for (const t of uncached) {
      await burst(base, t, 20, 1, agent);
      reset(t);
      await kvReads(mf, t);
      await burst(base, t, UNCACHED_REQUESTS, 1, agent);
      reads.set(t, await kvReads(mf, t));
    }
  } finally {
    agent.destroy();
    await mf.dispose();
    upstream.closeAllConnections();
    upstream.close();
  }

  const baseStats = stats(passThrough);
  const lines = [
    `# Router benchmark`,
    ``,
    `${new Date().toISOString()} · loopback · one workerd (Miniflare) holding every Worker · 1 KiB responses from a local HTTP upstream`,
    ``,
    `Cached (default config, ISOLATE_CACHE_MS=1000): ${ROUNDS} interleaved ${BURST}-request bursts per target (${ROUNDS * BURST} requests), concurrency ${CONCURRENCY}, after ${WARMUP} warm-up requests.`,
    ``,
    `Latency columns: "loaded" from those bursts; "sequential" from ${LATENCY_REQUESTS} requests per target sent one at a time, the targets taking turns request by request (no queueing, equal exposure to machine noise).`,
    ``,
    `| target | req/s | × pass-through | loaded p50 / p99 ms | sequential p50 ms | sequential p99 ms | seq. p99 − pass-through ms | KV reads / request |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|`,
  ];
  for (const t of loaded) {
    const r = stats(t);
    const perRequest = reads.has(t) ? fmt(reads.get(t)! / t.requests, 4) : '—';
    lines.push(`| ${t.name} | ${fmt(r.rps, 0)} | ${fmt(r.rps / baseStats.rps)} | ${fmt(r.p50)} / ${fmt(r.p99)} | ${fmt(r.seqP50)} | ${fmt(r.seqP99)} | ${fmt(r.seqP99 - baseStats.seqP99)} | ${perRequest} |`);
  }
  lines.push(
    ``,
    `Uncached (ISOLATE_CACHE_MS=0, so every request reads KV): ${UNCACHED_REQUESTS} sequential requests. Miniflare's local KV has no edge cache, so this times its local storage, not KV's \`cacheTtl\` hits.`,
    ``,
    `| target | req/s | p50 ms | p99 ms | KV reads / request |`,
    `|---|---:|---:|---:|---:|`,
  );
  for (const t of uncached) {
    const r = stats(t);
    lines.push(`| ${t.name} | ${fmt(r.rps, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(reads.get(t)! / t.requests, 4)} |`);
  }
  const { small, large } = lookupNs();
  lines.push(
    ``,
    `| pure lookup (matchRoute; the same 64 paths: exact, deeper, unrouted) | ns / lookup | compile ms |`,
    `|---|---:|---:|`,
    `| 10 routes | ${fmt(small.ns, 1)} | ${fmt(small.compileMs)} |`,
    `| 10,000 routes | ${fmt(large.ns, 1)} | ${fmt(large.compileMs)} |`,
    ``,
  );
  const r10 = stats(router10);
  const r10k = stats(router10k);
  const uncachedReads = uncached.map((t) => reads.get(t)! / t.requests);
  const checks: [string, boolean][] = [
    [`throughput ≥ 0.9× pass-through (10 routes ${fmt(r10.rps / baseStats.rps)}×, 10,000 routes ${fmt(r10k.rps / baseStats.rps)}×)`, r10.rps / baseStats.rps >= 0.9 && r10k.rps / baseStats.rps >= 0.9],
    [`sequential p99 within 1 ms of pass-through (10 routes ${fmt(r10.seqP99 - baseStats.seqP99)} ms, 10,000 routes ${fmt(r10k.seqP99 - baseStats.seqP99)} ms; under load ${fmt(r10.p99 - baseStats.p99)} ms, ${fmt(r10k.p99 - baseStats.p99)} ms)`, r10.seqP99 - baseStats.seqP99 <= 1 && r10k.seqP99 - baseStats.seqP99 <= 1],
    [`lookup at 10,000 routes within 10 % of 10 routes (${fmt(large.ns / small.ns, 3)}×)`, large.ns / small.ns <= 1.1],
    [`exactly one KV read per uncached request (${uncachedReads.map((r) => fmt(r, 4)).join(', ')})`, uncachedReads.every((r) => r === 1)],
  ];
  lines.push(`Ratios and targets:`, ``, ...checks.map(([text, ok]) => `- ${ok ? 'PASS' : 'MISS'} ${text}`), ``);
  const table = lines.join('\n');
  const out = path.join(PROJECT_ROOT, 'bench/results/router.md');
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, table);
  console.log(`\n${table}\nwritten to ${path.relative(PROJECT_ROOT, out)}`);
}

await main();
