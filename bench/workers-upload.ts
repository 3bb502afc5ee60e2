/**
 * `npm run bench:workers` (issue 18): uploading the full-stack example's Worker with unmodified
 * `wrangler deploy` against nextdeploy's upload step (`uploadWorkerVersion`), side by side on the
 * same local Cloudflare, for a first deploy and a re-deploy with one changed asset. A report, not
 * a pass/fail test: prints a table and writes bench/results/workers-upload.md (see
 * bench/README.md).
 *
 *   npx tsx bench/workers-upload.ts [--runs 3]
 */
import { readdirSync, readFileSync, statSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { startLocalCloudflare, type LocalCloudflare } from '../cf-local/index.ts';
import { buildFullstackExample } from '../devstack/fullstack-example.ts';
import { PROJECT_ROOT } from '../devstack/paths.ts';
import { median, table } from './deploy-lib.ts';
import { changeAsset, CONTENDERS, deployer, prepareFolder, readBundle, removeFolder, runWranglerOnce, verify, type Contender } from './workers-contenders.ts';

const { values: flags } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const RUNS = Math.max(1, Number(flags.runs));
/** The asset the re-deploy changes: small, so the re-deploy's bytes are the Worker's and the protocol's. */
const CHANGED = 'robots.txt';
const SCENARIOS = ['first deploy', `re-deploy, ${CHANGED} changed`] as const;
type Scenario = (typeof SCENARIOS)[number];

/** One timed deploy: wall time and what the emulator received while it ran. */
interface Sample {
  wallMs: number;
  /** Of the wall time, the emulator restarting workerd with the new set of Workers (see {@link restartClock}). */
  restartMs: number;
  requests: number;
  bytes: number;
  calls: string[];
}

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const kib = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);

/**
 * Time the emulator spends in `runtime.apply`: every version upload, deployment and KV namespace
 * restarts its one workerd with all runnable Workers (two 5 MB ones after a re-deploy) before it
 * answers. That is the emulator's cost, not the client's, and it differs by call: wrangler's
 * re-deploy makes one more (the deployment). The emulator runs in this process, so its method
 * can be wrapped here.
 */
function restartClock(cf: LocalCloudflare): () => number {
  const runtime = cf.core.runtime;
  const apply = runtime.apply.bind(runtime);
  let total = 0;
  runtime.apply = async (...args) => {
    const t = performance.now();
    try {
      return await apply(...args);
    } finally {
      total += performance.now() - t;
    }
  };
  return () => total;
}

/** Runs `fn` and reads the emulator's request log for it: every request it answered, with body sizes. */
async function timed(cf: LocalCloudflare, restarts: () => number, fn: () => Promise<void>): Promise<Sample> {
  const mark = cf.requests().at(-1)?.seq ?? 0;
  const restarted = restarts();
  const start = performance.now();
  await fn();
  const wallMs = performance.now() - start;
  const logged = cf.requests(mark);
  return {
    wallMs,
    restartMs: restarts() - restarted,
    requests: logged.length,
    bytes: logged.reduce((n, r) => n + r.requestBytes, 0),
    calls: logged.map((r) => `${r.operation ?? `${r.method} ${r.path}`}${r.status >= 300 ? ` (${r.status})` : ''}${r.requestBytes ? ` ${kib(r.requestBytes)}` : ''}`),
  };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

async function main(): Promise<void> {
  const started = new Date();
  const command = `npx tsx bench/workers-upload.ts --runs ${RUNS}`;
  const { bundleDir, cached } = await buildFullstackExample({ log });
  log(`bundle ${path.relative(PROJECT_ROOT, bundleDir)}${cached ? ' (cached build)' : ''}`);
  const bundle = readBundle(bundleDir);
  const worker = readFileSync(path.join(bundleDir, bundle.mainModule));
  const assets = filesUnder(path.join(bundleDir, bundle.assetsDir!));

  const cf = await startLocalCloudflare();
  const restarts = restartClock(cf);
  const samples = new Map<string, Sample[]>();
  const key = (c: Contender, sc: Scenario) => `${c}|${sc}`;
  const problems: string[] = [];
  const startup: number[] = [];
  let manifestFiles = 0;
  try {
    // wrangler's own start (Node, its modules, config) is part of every wrangler deploy's time: measured alone as a yardstick.
    const home = path.join(os.tmpdir(), `nextdeploy-bench-version-${process.pid}`);
    mkdirSync(home, { recursive: true });
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await runWranglerOnce(cf, PROJECT_ROOT, home, ['--version']);
      startup.push(performance.now() - t);
    }
    removeFolder(home);

    for (let round = 1; round <= RUNS; round++) {
      // Who goes first alternates, so a machine that drifts during the run favours neither.
      const order = round % 2 ? CONTENDERS : [...CONTENDERS].reverse();
      const manifests: Record<string, string>[] = [];
      for (const contender of order) {
        // A fresh account for each contender's pair: the assets store is account-wide and
        // deduplicated by hash, so neither may find the other's uploads already there.
        await cf.reset();
        if (Object.keys(cf.state().assets).length !== 0) throw new Error('reset left assets in the store');
        const dir = prepareFolder(contender, bundleDir, bundle, 'v1');
        const d = deployer(cf, contender, dir);
        try {
          const first = await timed(cf, restarts, () => d.deploy('v1'));
          changeAsset(dir, CHANGED, round);
          const again = await timed(cf, restarts, () => d.deploy('v2'));
          for (const [sc, sample] of [[SCENARIOS[0], first], [SCENARIOS[1], again]] as const) {
            samples.set(key(contender, sc), [...(samples.get(key(contender, sc)) ?? []), sample]);
          }
          const checked = await verify(cf, contender, dir, bundle, CHANGED);
          problems.push(...checked.problems.map((p) => `round ${round}: ${p}`));
          manifests.push(checked.manifest);
          log(`round ${round}/${RUNS} ${contender}: first ${s(first.wallMs)} (${first.requests} requests, ${kib(first.bytes)}), re-deploy ${s(again.wallMs)} (${again.requests} requests, ${kib(again.bytes)})`);
        } finally {
          d.dispose();
          removeFolder(dir);
        }
      }
      if (JSON.stringify(sorted(manifests[0]!)) !== JSON.stringify(sorted(manifests[1]!))) problems.push(`round ${round}: the contenders' asset manifests differ`);
      manifestFiles = Object.keys(manifests[0]!).length;
    }
  } finally {
    await cf.stop();
  }

  const rows: string[][] = [];
  const per = (c: Contender, sc: Scenario) => samples.get(key(c, sc)) ?? [];
  for (const sc of SCENARIOS) {
    const metrics: Array<[string, (x: Sample) => number, (n: number) => string, string]> = [
      [`wall time (median of ${RUNS})`, (x) => x.wallMs, s, 'not slower (≤ 1×)'],
      ['… of it, the emulator restarting workerd', (x) => x.restartMs, s, 'report'],
      ['wall time less those restarts', (x) => x.wallMs - x.restartMs, s, 'report'],
      ['API requests', (x) => x.requests, String, 'report'],
      // Exact too: the two differ by a few hundred bytes in five million, which MiB would hide.
      ['bytes sent (request bodies)', (x) => x.bytes, (n) => `${kib(n)} (${n.toLocaleString('en-US')} B)`, sc === SCENARIOS[1] ? 'fewer (< 1×)' : 'report'],
    ];
    for (const [name, pick, fmt, target] of metrics) {
      const [w, n] = CONTENDERS.map((c) => median(per(c, sc).map(pick)));
      rows.push([sc, name, fmt(w!), fmt(n!), `${(n! / w!).toFixed(name.startsWith('bytes') ? 4 : 2)}×`, target]);
    }
  }
  const assetBytes = assets.reduce((n, f) => n + statSync(f).size, 0);
  const notes = [
    `Bundle: \`${path.relative(PROJECT_ROOT, bundleDir)}\` (\`buildFullstackExample()\`). Worker \`${bundle.mainModule}\`: ${kib(worker.length)} raw, ${kib(gzipSync(worker).length)} gzipped. Assets: ${assets.length} files in \`${bundle.assetsDir}/\` (${kib(assetBytes)}), ${manifestFiles} of them in each upload's manifest (\`_headers\` goes in the assets config, not as an asset).`,
    '',
    `Each run gives each contender a fresh account (\`cf.reset()\`: empty assets store), then times its first deploy and its re-deploy after ${CHANGED} changed; who goes first alternates by run. Requests and bytes are the emulator's request log (\`cf.requests()\`): every API request answered while the deploy ran, bodies as received (headers not counted).`,
    '',
    `wrangler: \`wrangler deploy\` (${JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'node_modules', 'wrangler', 'package.json'), 'utf8')).version}) in a child process on the project's Node, \`no_bundle\` (the module as built), the bundle's dates, flags, vars, KV binding (provisioned by wrangler, as the activity makes its own namespace), workers.dev off and preview URLs on, as the activity sets them. Its wall time includes starting Node and wrangler: \`wrangler --version\` alone takes ${s(median(startup))} (median of ${RUNS}). A \`wrangler deploy\` also deploys the version at 100 %; nextdeploy's re-deploy uploads a version the router sends traffic to later (not in its figure).`,
    '',
    "The emulator restarts its one workerd with every runnable Worker before it answers a version upload, a deployment or a new KV namespace (`runtime.apply`, timed by wrapping it). That is the emulator's cost, not a client's, and it follows the calls: wrangler's re-deploy also makes a deployment (one restart more), nextdeploy's leaves the traffic move to the router. \"Less those restarts\" is the client's side: its own work, its requests and the emulator's other answers.",
    '',
    'nextdeploy: `uploadWorkerVersion` (activities/workers.ts) in this process, through `createActivities` and the SDK client, as a worker runs it (one set of activities per contender pair, as one worker process serves many deploys).',
    '',
    `Checked after every re-deploy: both versions carry the bundle's module byte for byte, the two asset manifests are equal (paths and hashes), and each version's preview URL serves the changed ${CHANGED} and the app's \`/\`. ${problems.length ? `Problems: ${problems.join(' | ')}` : 'All held.'}`,
    '',
    'Every run (wall time with the emulator\'s workerd restarts in it, requests, bytes):',
    ...CONTENDERS.flatMap((c) => SCENARIOS.map((sc) => `- ${c}, ${sc}: ${per(c, sc).map((x) => `${s(x.wallMs)} (restarts ${s(x.restartMs)}) / ${x.requests} / ${kib(x.bytes)}`).join(', ')}`)),
    '',
    'Calls of the first run, in order:',
    ...CONTENDERS.flatMap((c) => SCENARIOS.map((sc) => `- ${c}, ${sc}: ${per(c, sc)[0]?.calls.join(' → ') ?? '—'}`)),
  ];
  const report = [
    '# Workers upload benchmark: wrangler deploy vs nextdeploy',
    '',
    `${started.toISOString()} · \`${command}\` · ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}) · Node ${process.version}`,
    '',
    table(['scenario', 'measure', 'wrangler deploy', 'nextdeploy uploadWorkerVersion', 'nextdeploy / wrangler', 'target'], rows),
    '',
    ...notes,
  ].join('\n');
  const out = path.join(PROJECT_ROOT, 'bench', 'results', 'workers-upload.md');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${report}\n`);
  process.stdout.write(`${report}\n\nWritten to ${path.relative(PROJECT_ROOT, out)}\n`);
  if (problems.length) process.exitCode = 1;
}

function sorted(o: Record<string, string>): [string, string][] {
  return Object.entries(o).sort(([a], [b]) => a.localeCompare(b));
}

await main();
