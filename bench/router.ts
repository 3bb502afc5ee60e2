/**
 * Router benchmark (`npm run bench:router`), loopback only, one run of about a minute:
 * requests/s and p50/p99 latency through the router vs. a bare pass-through Worker to the same
 * upstream, with 10 and 10,000 routes; KV reads per request counted by the router's counting
 * entry; pure lookup time at 10 vs 10,000 routes. Prints a table and writes bench/results/router.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { Agent, createServer } from 'node:http';
import path from 'node:path';
import { Miniflare, convertV4MiniflareOptions } from 'miniflare';
import { buildActiveRecord, kvKeys } from '../core/kv-records.ts';
import { compileRouteTable, matchRoute } from '../core/route-table.ts';
import { PROJECT_ROOT } from '../devstack/paths.ts';
import { COMPATIBILITY_DATE, ROUTER_DIR, bundleWorker, upstreamShim } from '../router-worker/test/harness.ts';
import { burst, interleavedLatency, kvReads, metadataWith, pathsFor, recordWith, reset, routerTarget, stats, type Target } from './router-load.ts';

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
