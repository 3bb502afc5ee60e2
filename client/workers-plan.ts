// start-deploy's Workers row: build the app with OpenNext in its own folder (or take a bundle
// folder already built), and describe the deploy: the version upload source and the metadata
// that sends every path to the Worker (pinned to the version's own URL when it is written).
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { buildWorkersApp } from '../build/workers-app.ts';
import { WorkersBuildError } from '../build/failures.ts';
import type { NextdeployConfig, ResolvedApp } from '../core/config.ts';
import { formatZodIssues, metadataSchema, workersHostsFor, type Metadata } from '../core/metadata.ts';
import { WORKERS_BUNDLE_FILE } from '../core/workers-bundle.ts';
import { LOCAL_WORKERS_SUBDOMAIN } from '../cf-local/constants.ts';
import { snapshotBuild } from '../devstack/example-app.ts';
import { buildFullstackExample } from '../devstack/fullstack-example.ts';
import { stateDir } from '../devstack/paths.ts';
import { CliError } from './io.ts';

/** A Workers deploy's source and metadata, as the deploy input carries them. */
export interface WorkersPlan {
  source: { type: 'workers'; path: string; script: string; subdomain: string; routing: 'router' | 'native' };
  metadata: Metadata;
}

/**
 * Where the bundle comes from, in order: `--build-dir` (a bundle folder with
 * nextdeploy-workers.json), the app's `appDir` (built here with OpenNext), or, on embedded
 * defaults, the bundled full-stack example. Build output streams to `log` as it comes.
 */
export async function planWorkersDeploy(
  options: { app: ResolvedApp; config: NextdeployConfig; version: string; embedded: boolean; buildDir?: string; cwd: string },
  log: (line: string) => void,
): Promise<WorkersPlan> {
  const { app, config, version, embedded } = options;
  const subdomain = config.workersSubdomain ?? (embedded ? LOCAL_WORKERS_SUBDOMAIN : undefined);
  if (!subdomain) {
    throw new CliError([`workersSubdomain: apps.${app.app}.target is workers but the configuration names no workers.dev subdomain; set "workersSubdomain" to your account's (the dashboard's Workers & Pages overview, or \`npx wrangler whoami\` then the subdomain page)`]);
  }
  let bundleDir: string;
  if (options.buildDir) {
    bundleDir = path.resolve(options.cwd, options.buildDir);
    if (!existsSync(path.join(bundleDir, WORKERS_BUNDLE_FILE))) {
      throw new CliError([`--build-dir: ${bundleDir} holds no ${WORKERS_BUNDLE_FILE}; for a Workers app pass the app's folder as apps.${app.app}.appDir (start-deploy builds it), or a bundle folder a build wrote`]);
    }
  } else if (app.appDir) {
    const appDir = path.resolve(options.cwd, app.appDir);
    if (!existsSync(appDir) || !statSync(appDir).isDirectory()) throw new CliError([`apps.${app.app}.appDir: ${appDir} is not a folder; point it at the Next.js app (the folder with next.config and wrangler.jsonc)`]);
    log(`Building ${app.app} for Workers in ${appDir} (opennextjs-cloudflare build)...`);
    const built = await buildOrExplain(() => buildWorkersApp(appDir, { outDir: path.join(stateDir(), 'bundles', app.app), onLine: (l) => log(`  build │ ${l}`), publicHosts: [app.hostname] }));
    log(`Built in ${(built.buildMs / 1000).toFixed(1)} s, bundled in ${(built.bundleMs / 1000).toFixed(1)} s.`);
    bundleDir = built.bundleDir;
  } else if (embedded) {
    const built = await buildOrExplain(() => buildFullstackExample({ log, onLine: (l) => log(`  build │ ${l}`) }));
    if (built.cached) log('Using the cached build of the full-stack example (examples/fullstack-app).');
    bundleDir = built.bundleDir;
  } else {
    throw new CliError([`apps.${app.app}.appDir: nothing to deploy to Workers; set appDir to the Next.js app's folder, or pass --build-dir <bundle folder>`]);
  }
  const script = app.workerScript;
  const raw = { app: app.app, version, defaultTarget: `https://${script}.${subdomain}.workers.dev`, routes: {} };
  const parsed = metadataSchema({ allowedHosts: workersHostsFor(script, subdomain) }).safeParse(raw);
  if (!parsed.success) throw new CliError(formatZodIssues(parsed.error, 'metadata'));
  return { source: { type: 'workers', path: snapshotBuild(bundleDir, app.app, version), script, subdomain, routing: app.routing }, metadata: parsed.data };
}

async function buildOrExplain<T>(build: () => Promise<T>): Promise<T> {
  try {
    return await build();
  } catch (err) {
    if (err instanceof WorkersBuildError) throw new CliError([`build [${err.type}]: ${err.message}`]);
    throw err;
  }
}
