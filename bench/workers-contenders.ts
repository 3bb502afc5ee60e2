/**
 * The two contenders of the Workers upload benchmark (bench/workers-upload.ts), each given its
 * own copy of one bundle folder: unmodified `wrangler deploy` (a child process, as
 * cf-local/wrangler.test.ts runs it) and nextdeploy's `uploadWorkerVersion` activity (in this
 * process, as a worker runs it). Also what is checked after each pair of deploys.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createActivities, createCloudflareClient } from '../activities/index.ts';
import type { LocalCloudflare } from '../cf-local/index.ts';
import { LOCAL_WORKERS_SUBDOMAIN } from '../cf-local/index.ts';
import { runWrangler, type WranglerRun } from '../cf-local/wrangler-cli.ts';
import { versionHost, WORKERS_BUNDLE_FILE, workersBundleSchema, type WorkersBundle } from '../core/workers-bundle.ts';

export type Contender = 'wrangler' | 'nextdeploy';
export const CONTENDERS: Contender[] = ['wrangler', 'nextdeploy'];

/** Different scripts, so neither deploy lands on the other's Worker. */
export const SCRIPTS: Record<Contender, string> = { wrangler: 'bench-wrangler', nextdeploy: 'bench-nextdeploy' };


export function readBundle(bundleDir: string): WorkersBundle {
  // The same schema the upload activity reads it with: both contenders get a valid bundle.
  const bundle = workersBundleSchema.parse(JSON.parse(readFileSync(path.join(bundleDir, WORKERS_BUNDLE_FILE), 'utf8')));
  // One module is what OpenNext's bundle is; more would need wrangler `rules` to send the same set.
  if (bundle.modules.length !== 1 || !bundle.assetsDir) throw new Error(`${bundleDir}: the bench mirrors a one-module bundle with assets`);
  return bundle;
}

/**
 * A contender's own folder: the bundle's module and a copy of its assets (the re-deploy changes
 * one file in it), plus wrangler.jsonc for wrangler. wrangler gets the very settings the
 * activity sends: `no_bundle` (the module is already bundled: upload it as it is),
 * no additional-module scan, the same dates, flags, vars, assets binding and KV bindings (an id
 * left out is provisioned by wrangler as the activity makes its own namespace), and the
 * activity's workers.dev shape: the script URL off, version preview URLs on.
 */
export function prepareFolder(contender: Contender, bundleDir: string, bundle: WorkersBundle, version: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `nextdeploy-bench-${contender}-`));
  const main = bundle.mainModule;
  cpSync(path.join(bundleDir, main), path.join(dir, main));
  cpSync(path.join(bundleDir, bundle.assetsDir!), path.join(dir, 'assets'), { recursive: true });
  if (contender === 'nextdeploy') {
    writeFileSync(path.join(dir, WORKERS_BUNDLE_FILE), JSON.stringify({ ...bundle, assetsDir: 'assets' }));
    return dir;
  }
  // _headers/_redirects stay files in the assets folder: wrangler reads them from there.
  const { _headers: _h, _redirects: _r, ...assetsConfig } = bundle.assetsConfig;
  writeWranglerConfig(dir, {
    name: SCRIPTS.wrangler,
    main,
    no_bundle: true,
    find_additional_modules: false,
    compatibility_date: bundle.compatibilityDate,
    compatibility_flags: bundle.compatibilityFlags,
    assets: { directory: 'assets', ...(bundle.assetsBinding ? { binding: bundle.assetsBinding } : {}), ...assetsConfig },
    kv_namespaces: bundle.kvNamespaces.map((kv) => ({ binding: kv.binding, ...(kv.id ? { id: kv.id } : {}) })),
    vars: { ...bundle.vars, NEXTDEPLOY_VERSION: version },
    workers_dev: false,
    preview_urls: true,
  });
  return dir;
}

/** The activity gives every version its name in NEXTDEPLOY_VERSION; wrangler's config says it. */
export function setWranglerVersion(dir: string, version: string): void {
  const config = JSON.parse(readFileSync(path.join(dir, 'wrangler.jsonc'), 'utf8')) as { vars: Record<string, string> };
  config.vars.NEXTDEPLOY_VERSION = version;
  writeWranglerConfig(dir, config);
}

function writeWranglerConfig(dir: string, config: object): void {
  writeFileSync(path.join(dir, 'wrangler.jsonc'), JSON.stringify(config, null, 2));
}

/** Changes one asset's bytes (the re-deploy scenario): the same edit for both contenders. */
export function changeAsset(dir: string, rel: string, round: number): void {
  const file = path.join(dir, 'assets', rel);
  writeFileSync(file, `${readFileSync(file, 'utf8')}\n# bench round ${round}\n`);
}

/** Runs unmodified wrangler against the local Cloudflare with a clean environment and its own HOME. */
export function runWranglerOnce(cf: LocalCloudflare, cwd: string, home: string, args: string[]): Promise<WranglerRun> {
  return runWrangler(cf, { cwd, home, timeoutMs: 300_000 }, args);
}

/**
 * One contender's pair of deploys on one emulator. The activities are made once per pair, as
 * one worker process serves many deploys (what they remember, such as the account's
 * workers.dev subdomain, counts as it would in the product); wrangler keeps one HOME.
 */
export function deployer(cf: LocalCloudflare, contender: Contender, dir: string): { deploy(version: string): Promise<void>; dispose(): void } {
  if (contender === 'wrangler') {
    const home = mkdtempSync(path.join(os.tmpdir(), 'nextdeploy-bench-home-'));
    return {
      deploy: async (version) => {
        setWranglerVersion(dir, version);
        const r = await runWranglerOnce(cf, dir, home, ['deploy']);
        if (r.code !== 0) throw new Error(`wrangler deploy (${version}) exited ${r.code}: ${`${r.stdout}\n${r.stderr}`.slice(-2000)}`);
      },
      dispose: () => removeFolder(home),
    };
  }
  const activities = createActivities({ cloudflare: createCloudflareClient({ apiToken: cf.token, baseURL: cf.apiBaseUrl, timeoutMs: 120_000 }), edgeConnectTo: new URL(cf.edgeUrl).host });
  return {
    deploy: async (version) => {
      await activities.uploadWorkerVersion({
        accountId: cf.accountId,
        source: { type: 'workers', path: dir, script: SCRIPTS.nextdeploy, subdomain: LOCAL_WORKERS_SUBDOMAIN },
        marker: `nextdeploy bench@${version}`,
        version,
      });
    },
    dispose: () => {},
  };
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** What a contender's newest version holds, and what was wrong with it. */
export interface Verified {
  problems: string[];
  /** Asset path → hash, as its upload session's manifest named them (the contenders' must match). */
  manifest: Record<string, string>;
}

/**
 * After a contender's re-deploy: its newest version carries the bundle's module byte for byte,
 * and the edge serves the changed asset and the app at the version's preview URL.
 */
export async function verify(cf: LocalCloudflare, contender: Contender, dir: string, bundle: WorkersBundle, changed: string): Promise<Verified> {
  const problems: string[] = [];
  const version = cf.state().workerVersions.filter((v) => v.script === SCRIPTS[contender]).at(-1);
  if (!version) return { problems: [`${contender}: no version of ${SCRIPTS[contender]}`], manifest: {} };
  const module = version.modules.find((m) => m.name === bundle.mainModule);
  const want = sha256(readFileSync(path.join(dir, bundle.mainModule)));
  if (version.modules.length !== 1 || !module || sha256(Buffer.from(module.base64, 'base64')) !== want) {
    problems.push(`${contender}: the version's modules are not the bundle's ${bundle.mainModule} (${version.modules.map((m) => m.name).join(', ')})`);
  }
  const manifest = Object.fromEntries(Object.entries(version.assets?.manifest ?? {}).map(([p, a]) => [p, a.hash]));
  const host = versionHost(version.id, SCRIPTS[contender], LOCAL_WORKERS_SUBDOMAIN);
  const asset = await cf.edgeRequest(host, `/${changed}`);
  if (asset.body !== readFileSync(path.join(dir, 'assets', changed), 'utf8')) problems.push(`${contender}: ${host}/${changed} answered ${asset.status} without the change`);
  const page = await cf.edgeRequest(host, '/');
  if (page.status !== 200) problems.push(`${contender}: ${host}/ answered ${page.status}`);
  return { problems, manifest };
}

export function removeFolder(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
