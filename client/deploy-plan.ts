import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { resolveApp, type NextdeployConfig, type ResolvedApp } from '../core/config.ts';
import type { z } from 'zod';
import { parseDeployInput, versionFromDate, type deploySourceSchema, type DeployInput } from '../core/deploy-input.ts';
import { formatZodIssues, metadataSchema, pagesHostsFor, versionSchema, type Metadata } from '../core/metadata.ts';
import { buildExampleApp, snapshotBuild } from '../devstack/example-app.ts';
import { stateDir } from '../devstack/paths.ts';
import { CliError, println, type CliIo } from './io.ts';
import { metadataFromNextBuild, NextBuildError } from './next-metadata.ts';
import { EMBEDDED_PAGES_PROJECT } from '../devstack/stack-file.ts';
import type { Settings } from './settings.ts';
import { planWorkersDeploy } from './workers-plan.ts';
import { defaultTarget, type DeployTarget } from '../build/target.ts';

/** Where the build comes from (a folder to upload, or a git branch Pages builds). */
export type DeploySource = z.input<typeof deploySourceSchema>;

/** The flags of `start-deploy` that shape the deploy. */
export interface DeployFlags {
  app: string;
  version?: string;
  metadata?: string;
  buildDir?: string;
  branch?: string;
  /** `pages` or `workers`; default: the app's `target`, else what its build is (a static export: pages). */
  target?: string;
}

/** A deploy checked as far as it can be before anything starts. */
export interface DeployPlan {
  app: ResolvedApp;
  version: string;
  metadata: Metadata;
  source: DeploySource;
}

function readMetadataFile(file: string, project: string): Metadata {
  if (!existsSync(file)) throw new CliError([`--metadata: ${file} does not exist; generate it with \`npm run metadata -- --app <app>\``]);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError([`${file}: not valid JSON (${(err as Error).message}); regenerate it with \`npm run metadata\``]);
  }
  const parsed = metadataSchema({ allowedHosts: pagesHostsFor(project) }).safeParse(raw);
  if (!parsed.success) throw new CliError(formatZodIssues(parsed.error, 'metadata').map((l) => `${l} (in ${file})`));
  return parsed.data;
}

function checkVersion(version: string, flag: string): string {
  const parsed = versionSchema.safeParse(version);
  if (!parsed.success) throw new CliError([`${flag}: ${parsed.error.issues[0]!.message}`]);
  return version;
}

/**
 * Validates flags, configuration and metadata before anything starts. In embedded mode it also
 * builds the example app with the version baked in, and snapshots the static export to upload.
 */
export async function planDeploy(io: CliIo, settings: Settings, config: NextdeployConfig, flags: DeployFlags, json: boolean): Promise<DeployPlan> {
  const embedded = settings.mode === 'embedded';
  let app: ResolvedApp;
  try {
    app = resolveApp(config, flags.app, { allowUnlisted: embedded, source: settings.mode === 'configured' ? settings.source : undefined });
  } catch (err) {
    throw new CliError((err as Error & { problems?: string[] }).problems ?? [(err as Error).message]);
  }
  if (flags.version) checkVersion(flags.version, '--version');
  const metadataFile = flags.metadata ? path.resolve(io.cwd, flags.metadata) : undefined;
  let metadata = metadataFile ? readMetadataFile(metadataFile, app.pagesProject) : undefined;
  if (metadata && metadata.app !== app.app) {
    throw new CliError([`metadata.app: ${metadataFile} is for app "${metadata.app}", not "${app.app}"; regenerate it with \`npm run metadata -- --app ${app.app}\``]);
  }
  if (metadata && flags.version && metadata.version !== flags.version) {
    throw new CliError([`metadata.version: ${metadataFile} is version "${metadata.version}", but --version is "${flags.version}"; drop --version or regenerate the metadata`]);
  }
  const version = flags.version ?? metadata?.version ?? versionFromDate(new Date());
  const log = (line: string) => println(json ? io.stderr : io.stdout, line);
  if (deployTarget(flags, app, embedded, io.cwd) === 'workers') {
    if (flags.branch) throw new CliError(['--branch: a Workers deploy uploads a build; drop --branch (git deployments are a Pages feature)']);
    if (metadata) throw new CliError(['--metadata: a Workers deploy sends every path to its Worker; drop --metadata']);
    const planned = await planWorkersDeploy({ app, config, version, embedded, cwd: io.cwd, ...(flags.buildDir ? { buildDir: flags.buildDir } : {}) }, log);
    return { app, version, metadata: planned.metadata, source: planned.source };
  }

  if (embedded && !flags.buildDir && !flags.branch) {
    // The example app, built with the version on every page so the new version is visible.
    const build = await buildExampleApp({ versionLabel: version, log });
    if (!metadata) {
      metadata = metadataFromNextBuild(build.nextDir, { app: app.app, version, pagesProject: app.pagesProject ?? EMBEDDED_PAGES_PROJECT }).metadata;
    }
    return { app, version, metadata, source: { type: 'directory', path: snapshotBuild(build.outDir, app.app, version), branch: 'main' } };
  }

  let source: DeploySource;
  const buildDir = flags.buildDir ?? (flags.branch ? undefined : app.buildDir);
  if (buildDir) {
    const dir = path.resolve(io.cwd, buildDir);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new CliError([`${flags.buildDir ? '--build-dir' : `apps.${app.app}.buildDir`}: ${dir} is not a folder; build the app first (e.g. \`next build\` with output: 'export' writes out/)`]);
    }
    source = { type: 'directory', path: snapshotBuild(dir, app.app, version), branch: flags.branch ?? 'main' };
  } else if (flags.branch) {
    source = { type: 'git', branch: flags.branch };
  } else {
    throw new CliError([`apps.${app.app}.buildDir: nothing to deploy; set buildDir in the configuration, or pass --build-dir <folder> or --branch <git branch>`]);
  }
  if (!metadata) {
    const nextDir = app.nextDir ?? (app.buildDir ? path.join(path.dirname(path.resolve(io.cwd, app.buildDir)), '.next') : undefined);
    const defaultFile = path.join(stateDir(), 'metadata.json');
    if (nextDir && existsSync(path.join(path.resolve(io.cwd, nextDir), 'routes-manifest.json'))) {
      try {
        metadata = metadataFromNextBuild(path.resolve(io.cwd, nextDir), { app: app.app, version, pagesProject: app.pagesProject }).metadata;
      } catch (err) {
        if (err instanceof NextBuildError) throw new CliError(err.message.split('\n'));
        throw err;
      }
    } else if (existsSync(defaultFile)) {
      metadata = readMetadataFile(defaultFile, app.pagesProject);
      if (metadata.app !== app.app || metadata.version !== version) {
        throw new CliError([`metadata: ${defaultFile} is for ${metadata.app} ${metadata.version}; regenerate it with \`npm run metadata -- --app ${app.app}\` or pass --metadata`]);
      }
    } else {
      throw new CliError([`metadata: no metadata for ${app.app}; run \`npm run metadata -- --app ${app.app}\` or pass --metadata <file>`]);
    }
  }
  return { app, version, metadata, source };
}

/**
 * Pages or Workers: `--target`, else the app's `target`, else on embedded defaults the full-stack
 * example (Workers), else what the app's folder builds (`output: 'export'` stays on Pages).
 */
function deployTarget(flags: DeployFlags, app: ResolvedApp, embedded: boolean, cwd: string): DeployTarget {
  if (flags.target !== undefined) {
    if (flags.target !== 'pages' && flags.target !== 'workers') throw new CliError([`--target: "${flags.target}" is not a target; use pages (static export) or workers (a server)`]);
    return flags.target;
  }
  if (app.target) return app.target;
  if (flags.buildDir || flags.branch || app.buildDir) return 'pages';
  if (app.appDir) return defaultTarget(path.resolve(cwd, app.appDir));
  return embedded ? 'workers' : 'pages';
}

/** The workflow input: the plan plus where it deploys and how long each wait may take (no secrets). */
export function deployInputFor(plan: DeployPlan, config: NextdeployConfig, embedded: boolean): DeployInput {
  const t = config.timeouts;
  const raw = {
    app: plan.app.app,
    version: plan.version,
    accountId: config.accountId,
    zoneId: config.zoneId,
    kvNamespaceId: config.kvNamespaceId,
    pagesProject: plan.app.pagesProject,
    source: plan.source,
    metadata: plan.metadata,
    hostname: plan.app.hostname,
    // A Worker answers on its own hostname through the router; a Pages custom domain is the Pages row's.
    ...(plan.source.type === 'workers' ? { customDomain: { enabled: false } } : {}),
    checks: {
      paths: plan.app.checkPaths,
      requestTimeoutMs: t.checkSeconds * 1000,
      ...(embedded ? { propagationWindowMs: 30_000, retryIntervalMs: 500 } : {}),
    },
    timing: {
      buildTimeoutMs: t.pagesDeploymentSeconds * 1000,
      domainTimeoutMs: t.customDomainSeconds * 1000,
      bakeMs: t.bakeSeconds * 1000,
      ...(embedded ? { pollInitialIntervalMs: 200, pollMaxIntervalMs: 1_000, bakeCheckIntervalMs: 1_000 } : {}),
    },
  };
  try {
    return parseDeployInput(raw);
  } catch (err) {
    throw new CliError((err as Error).message.split('\n').map((l) => l.trim()).filter(Boolean));
  }
}
