import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withFileLock } from './file-lock.ts';
import { PROJECT_ROOT, stateDir } from './paths.ts';

/** The bundled example Next.js app that embedded defaults deploy. */
export const EXAMPLE_APP_DIR = path.join(PROJECT_ROOT, 'examples', 'next-app');

/** A finished `next build` of the example: `.next` (manifests) and `out/` (the static export). */
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

function hashSources(appDir: string, versionLabel: string): string {
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
  for (const entry of SOURCE_ENTRIES) walk(entry);
  return hash.digest('hex').slice(0, 16);
}

/**
 * Runs `next build` on the example app unless a build of the same sources is already there.
 * `versionLabel` is baked into every page (`NEXTDEPLOY_VERSION`), so a deploy is visibly new.
 * Offline: telemetry off, no fonts or images fetched.
 */
export async function buildExampleApp(options: { versionLabel?: string; log?: (line: string) => void } = {}): Promise<ExampleBuild> {
  const appDir = EXAMPLE_APP_DIR;
  const versionLabel = options.versionLabel ?? 'dev';
  const nextDir = path.join(appDir, '.next');
  const outDir = path.join(appDir, 'out');
  // Beside the build it describes (one per checkout), whatever NEXTDEPLOY_STATE_DIR says.
  const shared = path.join(PROJECT_ROOT, '.nextdeploy');
  const marker = path.join(shared, 'example-app-build.json');
  // Two builds into one folder would clobber each other.
  return withFileLock(path.join(shared, 'example-app-build.lock'), async () => {
    const hash = hashSources(appDir, versionLabel);
    const previous = existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as { hash?: string }) : {};
    if (previous.hash === hash && existsSync(path.join(outDir, 'index.html')) && existsSync(path.join(nextDir, 'routes-manifest.json'))) {
      return { appDir, nextDir, outDir, hash, cached: true };
    }
    options.log?.(`Building the example app (next build examples/next-app, version ${versionLabel})...`);
    rmSync(marker, { force: true });
    const nextBin = path.join(PROJECT_ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');
    const output: Buffer[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [nextBin, 'build', appDir], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NEXTDEPLOY_VERSION: versionLabel },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.on('data', (d: Buffer) => output.push(d));
      child.stderr.on('data', (d: Buffer) => output.push(d));
      child.on('error', reject);
      child.on('exit', resolve);
    });
    if (code !== 0) {
      throw new Error(`next build of the example app failed (exit ${code}):\n${Buffer.concat(output).toString('utf8').slice(-4000)}`);
    }
    mkdirSync(path.dirname(marker), { recursive: true });
    writeFileSync(marker, `${JSON.stringify({ hash, versionLabel, builtAt: new Date().toISOString() })}\n`);
    return { appDir, nextDir, outDir, hash, cached: false };
  });
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
