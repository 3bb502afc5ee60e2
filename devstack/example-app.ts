import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { processAlive, withFileLock } from './file-lock.ts';
import { PROJECT_ROOT, stateDir } from './paths.ts';

/** The bundled example Next.js app that embedded defaults deploy. */
export const EXAMPLE_APP_DIR = path.join(PROJECT_ROOT, 'examples', 'next-app');

/** A finished `next build` of a copy of the example: `.next` (manifests) and `out/` (the static export). */
export interface ExampleBuild {
  appDir: string;
  nextDir: string;
  outDir: string;
  /** Content hash of the sources, the Next.js version and the baked-in version label. */
  hash: string;
  /** True when an earlier build with the same hash was reused. */
  cached: boolean;
}

const SOURCE_ENTRIES = ['app', 'pages', 'public', 'next.config.js', 'package.json'];

/** Content hash of an app's sources (`entries`), the Next.js version and a label. */
export function hashSources(appDir: string, versionLabel: string, entries: readonly string[] = SOURCE_ENTRIES): string {
  const hash = createHash('sha256');
  const nextVersion = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'node_modules', 'next', 'package.json'), 'utf8')).version;
  hash.update(`next@${nextVersion}\0version=${versionLabel}\0`);
  const walk = (rel: string): void => {
    const abs = path.join(appDir, rel);
    if (!existsSync(abs)) return;
    if (statSync(abs).isDirectory()) {
      for (const name of readdirSync(abs).sort()) walk(path.join(rel, name));
      return;
    }
    hash.update(`${rel}\0`).update(readFileSync(abs)).update('\0');
  };
  for (const entry of entries) walk(entry);
  return hash.digest('hex').slice(0, 16);
}

/** Builds kept in `.nextdeploy/example-builds/` (older ones are removed). */
const KEEP_BUILDS = 8;

/** Removes half-built folders of dead builds and all but the newest builds in `root`. */
function pruneBuilds(root: string, keep: string): void {
  // Half-built folders of builds whose process died.
  for (const entry of readdirSync(root)) {
    const pid = Number(/\.tmp-(\d+)$/.exec(entry)?.[1] ?? 0);
    if (pid > 0 && !processAlive(pid)) rmSync(path.join(root, entry), { recursive: true, force: true });
  }
  const builds = readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.includes('.tmp-'))
    .map((e) => ({ dir: path.join(root, e.name), mtime: statSync(path.join(root, e.name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const old of builds.slice(KEEP_BUILDS)) if (old.dir !== keep) rmSync(old.dir, { recursive: true, force: true });
}

/**
 * A build kept in `.nextdeploy/example-builds/<name>/` (beside the repository, one per checkout,
 * whatever NEXTDEPLOY_STATE_DIR says): reused when `complete` says so, else made by `build` in a
 * temporary copy of `sources` from `sourceDir` and renamed into place, so a build someone reads
 * or uploads never changes. One build at a time: two at once would only do the same work twice
 * on a small machine.
 */
export async function cachedExampleBuild(options: {
  name: string;
  sourceDir: string;
  sources: readonly string[];
  complete: (dir: string) => boolean;
  build: (work: string) => Promise<void>;
  /** Called when a build is about to run (not for a cached one). */
  starting?: () => void;
}): Promise<{ dir: string; cached: boolean }> {
  const root = path.join(PROJECT_ROOT, '.nextdeploy', 'example-builds');
  const dir = path.join(root, options.name);
  if (options.complete(dir)) {
    // Recently used builds survive pruning.
    const now = new Date();
    utimesSync(dir, now, now);
    return { dir, cached: true };
  }
  mkdirSync(root, { recursive: true });
  return withFileLock(path.join(root, 'build.lock'), async () => {
    if (options.complete(dir)) return { dir, cached: true };
    options.starting?.();
    const work = `${dir}.tmp-${process.pid}`;
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    for (const entry of options.sources) {
      if (existsSync(path.join(options.sourceDir, entry))) cpSync(path.join(options.sourceDir, entry), path.join(work, entry), { recursive: true });
    }
    try {
      await options.build(work);
    } catch (err) {
      rmSync(work, { recursive: true, force: true });
      throw err;
    }
    // An incomplete earlier build of the same sources (e.g. from an older layout) makes way.
    rmSync(dir, { recursive: true, force: true });
    renameSync(work, dir);
    pruneBuilds(root, dir);
    return { dir, cached: false };
  });
}

/**
 * Runs `next build` on a copy of the example app ({@link cachedExampleBuild}, named by the hash of
 * its sources and version label). `versionLabel` is baked into every page (`NEXTDEPLOY_VERSION`),
 * so a deploy is visibly new. Offline: telemetry off, no fonts or images fetched.
 */
export async function buildExampleApp(options: { versionLabel?: string; log?: (line: string) => void } = {}): Promise<ExampleBuild> {
  const versionLabel = options.versionLabel ?? 'dev';
  const hash = hashSources(EXAMPLE_APP_DIR, versionLabel);
  const { dir: appDir, cached } = await cachedExampleBuild({
    name: hash,
    sourceDir: EXAMPLE_APP_DIR,
    sources: SOURCE_ENTRIES,
    complete: (dir) => existsSync(path.join(dir, 'out', 'index.html')) && existsSync(path.join(dir, '.next', 'routes-manifest.json')),
    starting: () => options.log?.(`Building the example app (next build examples/next-app, version ${versionLabel})...`),
    build: async (work) => {
      const nextBin = path.join(PROJECT_ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');
      const output: Buffer[] = [];
      const code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(process.execPath, [nextBin, 'build', work], {
          cwd: PROJECT_ROOT,
          env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NEXTDEPLOY_VERSION: versionLabel },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        child.stdout.on('data', (d: Buffer) => output.push(d));
        child.stderr.on('data', (d: Buffer) => output.push(d));
        child.on('error', reject);
        child.on('exit', resolve);
      });
      if (code !== 0) throw new Error(`next build of the example app failed (exit ${code}):\n${Buffer.concat(output).toString('utf8').slice(-4000)}`);
      rmSync(path.join(work, '.next', 'cache'), { recursive: true, force: true });
    },
  });
  return { appDir, nextDir: path.join(appDir, '.next'), outDir: path.join(appDir, 'out'), hash, cached };
}

/**
 * Copies a build's static folder to `.nextdeploy/builds/<app>/<version>/`, so a deploy uploads
 * a folder that no later build changes, even when its upload activity is retried an hour later.
 */
export function snapshotBuild(outDir: string, app: string, version: string): string {
  const target = path.join(stateDir(), 'builds', app, version);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(path.dirname(target), { recursive: true });
  cpSync(outDir, target, { recursive: true });
  return target;
}
