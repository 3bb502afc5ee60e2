/**
 * The cluster's Temporal binaries, built from source with the machine's Go: the Temporal server
 * and its SQL schema tool (`go.temporal.io/server`, pinned in cluster/go/server) and the Web UI
 * server (`github.com/temporalio/ui-server/v2`, pinned in cluster/go/ui). Built once into the
 * git-ignored tools folder, keyed by the pinning go.sum, so a second start costs nothing.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withFileLock } from '../devstack/file-lock.ts';
import { PROJECT_ROOT, TOOLS_DIR } from '../devstack/paths.ts';

/** What the cluster runs; docker-compose.yml names the same versions. */
export const CLUSTER_VERSIONS = { temporalServer: '1.32.1', temporalUi: '2.54.1', postgres: '15' } as const;

/** The built binaries and the server's PostgreSQL schema (versioned SQL the schema tool applies). */
export interface ClusterBinaries {
  server: string;
  sqlTool: string;
  ui: string;
  /** `schema/postgresql/v12` of the pinned server module: `temporal/versioned`, `visibility/versioned`. */
  schemaDir: string;
}

const GO_DIR = path.join(PROJECT_ROOT, 'cluster', 'go');

function goEnv(): NodeJS.ProcessEnv {
  // The machine's own Go: go.mod asks for 1.26.8, which it has; no toolchain download.
  return { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly' };
}

function run(cmd: string, args: string[], cwd: string, log: (line: string) => void): string {
  const result = spawnSync(cmd, args, { cwd, env: goEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) {
    throw new Error(`${cmd} could not run (${(result.error as NodeJS.ErrnoException).code}). The cluster builds the Temporal server from source: install Go 1.26.8 or newer and put it on PATH.`);
  }
  if (result.status !== 0) {
    const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-15).join('\n');
    log(tail);
    throw new Error(`\`${cmd} ${args.join(' ')}\` failed in ${path.relative(PROJECT_ROOT, cwd)} (exit ${result.status}):\n${tail}`);
  }
  return result.stdout.trim();
}

/** The build's folder: one per pinned dependency set, so a version bump builds anew. */
export function clusterToolsDir(): string {
  const hash = createHash('sha256');
  for (const mod of ['server', 'ui']) hash.update(readFileSync(path.join(GO_DIR, mod, 'go.sum')));
  return path.join(TOOLS_DIR, `temporal-cluster-${CLUSTER_VERSIONS.temporalServer}-${hash.digest('hex').slice(0, 12)}`);
}

function binariesIn(dir: string): ClusterBinaries {
  return {
    server: path.join(dir, 'bin', 'temporal-server'),
    sqlTool: path.join(dir, 'bin', 'temporal-sql-tool'),
    ui: path.join(dir, 'bin', 'temporal-ui-server'),
    schemaDir: path.join(dir, 'schema', 'postgresql', 'v12'),
  };
}

/**
 * The binaries, building them first when this pinned set was not built yet (about 4 minutes on
 * 2 cores with an empty Go cache, most of it compiling the server). Safe to call from several
 * processes at once: one builds, the others wait on the lock and reuse its result.
 */
export async function ensureClusterBinaries(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<ClusterBinaries> {
  const dir = clusterToolsDir();
  const stamp = path.join(dir, 'complete');
  if (existsSync(stamp)) return binariesIn(dir);
  mkdirSync(TOOLS_DIR, { recursive: true });
  return withFileLock(`${dir}.lock`, async () => {
    if (existsSync(stamp)) return binariesIn(dir);
    const tmp = `${dir}.building-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    const bin = path.join(tmp, 'bin');
    mkdirSync(bin, { recursive: true });
    const t0 = Date.now();
    log(`cluster: building Temporal server ${CLUSTER_VERSIONS.temporalServer} and its SQL tool from go.temporal.io/server (go build, once; a few minutes)`);
    const serverDir = path.join(GO_DIR, 'server');
    run('go', ['build', '-trimpath', '-o', path.join(bin, 'temporal-server'), 'go.temporal.io/server/cmd/server'], serverDir, log);
    run('go', ['build', '-trimpath', '-o', path.join(bin, 'temporal-sql-tool'), 'go.temporal.io/server/cmd/tools/sql'], serverDir, log);
    log(`cluster: building Temporal Web UI ${CLUSTER_VERSIONS.temporalUi} from github.com/temporalio/ui-server/v2`);
    run('go', ['build', '-trimpath', '-o', path.join(bin, 'temporal-ui-server'), 'github.com/temporalio/ui-server/v2/cmd/server'], path.join(GO_DIR, 'ui'), log);
    // The schema ships in the server module's source; the sql tool applies it from a folder.
    const moduleDir = run('go', ['list', '-m', '-f', '{{.Dir}}', 'go.temporal.io/server'], serverDir, log);
    cpSync(path.join(moduleDir, 'schema', 'postgresql', 'v12'), path.join(tmp, 'schema', 'postgresql', 'v12'), { recursive: true });
    writeFileSync(path.join(tmp, 'complete'), `${new Date().toISOString()} built in ${Math.round((Date.now() - t0) / 1000)} s\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    log(`cluster: built in ${Math.round((Date.now() - t0) / 1000)} s into ${path.relative(PROJECT_ROOT, dir)}`);
    return binariesIn(dir);
  }, 30 * 60_000);
}
