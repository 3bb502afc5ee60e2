/**
 * A PostgreSQL server of the cluster's own: `initdb` into a folder, `postgres` on 127.0.0.1 and a
 * free port, password auth over TCP (what Temporal's SQL plugin uses). PostgreSQL refuses to run
 * as root, so as root it runs as the `postgres` user the Debian package creates.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, statSync, existsSync, mkdirSync, openSync, closeSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../devstack/free-port.ts';

/** Connection settings Temporal's `postgres12` plugin and schema tool take. */
export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
  pid: number;
  stop(): Promise<void>;
}

/** Options of {@link startPostgres}. */
export interface PostgresOptions {
  /** The cluster folder: `postgres/data` holds the database, `postgres/run` its socket. */
  dir: string;
  port?: number;
  logFile: string;
  /** Default `temporal`/`temporal`, as docker-compose.yml. */
  user?: string;
  password?: string;
}

function binDir(): string {
  const fromConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const candidates = [
    process.env.NEXTDEPLOY_POSTGRES_BIN,
    fromConfig.status === 0 ? fromConfig.stdout.trim() : undefined,
    '/usr/local/bin',
    ...(existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort().reverse().map((v) => `/usr/lib/postgresql/${v}/bin`) : []),
  ];
  const found = candidates.find((d) => d && existsSync(path.join(d, 'postgres')) && existsSync(path.join(d, 'initdb')));
  if (!found) throw new Error('No PostgreSQL server binaries (postgres, initdb) found. Install PostgreSQL 15 (Debian: postgresql-15), or set NEXTDEPLOY_POSTGRES_BIN to its bin folder.');
  return found;
}

/** As root, the uid/gid of the `postgres` user; otherwise undefined (run as ourselves). */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0) throw new Error('PostgreSQL will not run as root and there is no `postgres` user. Run as another user, or create one: useradd --system postgres');
  return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
}

async function waitReady(bin: string, port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`postgres exited (${child.exitCode ?? child.signalCode}) before accepting connections; see its log`);
    if (spawnSync(path.join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)]).status === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`postgres on 127.0.0.1:${port} did not accept connections within ${timeoutMs} ms`);
}

/** Starts PostgreSQL (creating the database folder on first start) and resolves once it accepts connections. */
export async function startPostgres(options: PostgresOptions): Promise<PostgresServer> {
  const bin = binDir();
  const owner = runAs();
  const user = options.user ?? 'temporal';
  const password = options.password ?? 'temporal';
  const root = path.join(options.dir, 'postgres');
  const data = path.join(root, 'data');
  const run = path.join(root, 'run');
  // The postgres user must pass through the cluster folder (a mkdtemp folder is 0700).
  mkdirSync(options.dir, { recursive: true });
  if (owner) chmodSync(options.dir, statSync(options.dir).mode | 0o011);
  for (const d of [root, run]) {
    mkdirSync(d, { recursive: true });
    if (owner) chownSync(d, owner.uid, owner.gid);
  }
  const spawnOptions = { ...(owner ?? {}), env: { ...process.env, LC_ALL: 'C.UTF-8' } };
  if (!existsSync(path.join(data, 'PG_VERSION'))) {
    const pwFile = path.join(run, 'initdb-password');
    writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
    if (owner) chownSync(pwFile, owner.uid, owner.gid);
    const init = spawnSync(path.join(bin, 'initdb'), ['-D', data, '-U', user, `--pwfile=${pwFile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8'], { ...spawnOptions, encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`initdb failed (exit ${init.status}): ${`${init.stdout}${init.stderr}`.trim().split('\n').slice(-5).join('\n')}`);
  }
  const port = options.port ?? (await freePort());
  const out = openSync(options.logFile, 'a');
  if (owner) chownSync(options.logFile, owner.uid, owner.gid);
  // Temporal keeps up to maxConns per store per service; 4 services × 2 stores × 20 + admin tools.
  const child = spawn(path.join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', run, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=on'], { ...spawnOptions, stdio: ['ignore', out, out] });
  closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // SIGINT = "fast shutdown": abort sessions, checkpoint, exit.
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitReady(bin, port, child, 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw err;
  }
  return { host: '127.0.0.1', port, user, password, pid: child.pid!, stop };
}
