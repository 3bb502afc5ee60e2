/**
 * The Temporal server of the cluster: its PostgreSQL schema set up by Temporal's own SQL tool,
 * a config file with every service (frontend, history, matching, worker) on 127.0.0.1 and free
 * ports, the `default` namespace and the search attributes every deploy sets. It can be
 * SIGKILLed and started again on the same database and ports (the cluster test does).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { SEARCH_ATTRIBUTE_KEYS } from '../core/search-attributes.ts';
import type { ClusterBinaries } from './binaries.ts';
import type { PostgresServer } from './postgres.ts';

/** The databases Temporal's SQL stores use (the names docker-compose's admin tools create). */
export const TEMPORAL_DATABASES = { default: 'temporal', visibility: 'temporal_visibility' } as const;

/** A running Temporal server process, restartable on the same ports and database. */
export interface ClusterServer {
  address: string;
  namespace: string;
  /** The current process (a restart makes a new one). */
  readonly pid: number;
  /** SIGKILL: a crash, no drain. */
  kill(): Promise<void>;
  /** Starts the process again with the same config; resolves once the namespace answers. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Creates both databases and brings their schema to the pinned server's version (idempotent). */
export function setupSchema(binaries: ClusterBinaries, pg: PostgresServer, log: (line: string) => void): void {
  const base = ['--plugin', 'postgres12', '--ep', pg.host, '-p', String(pg.port), '-u', pg.user];
  // The password goes in the environment the tool reads (SQL_PASSWORD), not on its command line.
  const env = { ...process.env, SQL_PASSWORD: pg.password };
  const tool = (db: string, ...args: string[]) => {
    const r = spawnSync(binaries.sqlTool, [...base, '--db', db, ...args], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`temporal-sql-tool ${args[0]} on ${db} failed (exit ${r.status}): ${`${r.stdout}${r.stderr}`.trim().split('\n').slice(-5).join('\n')}`);
  };
  for (const [db, dir] of [[TEMPORAL_DATABASES.default, 'temporal'], [TEMPORAL_DATABASES.visibility, 'visibility']] as const) {
    const exists = spawnSync(binaries.sqlTool, [...base, '--db', db, 'create-database'], { env, encoding: 'utf8' });
    if (exists.status !== 0 && !/already exists/.test(`${exists.stdout}${exists.stderr}`)) throw new Error(`temporal-sql-tool create-database ${db} failed: ${exists.stderr.trim().split('\n').pop()}`);
    // setup-schema -v 0.0 makes the version table (a no-op once it exists); update-schema applies
    // every versioned step newer than what the database records.
    tool(db, 'setup-schema', '-v', '0.0');
    tool(db, 'update-schema', '-d', path.join(binaries.schemaDir, dir, 'versioned'));
    log(`cluster: schema of ${db} is current`);
  }
}

interface Ports {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

/** Is this port free on 127.0.0.1 (bind and close)? */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/**
 * Free ports below 32768: the cluster_membership table keeps a host's membership port as a
 * smallint, so the kernel's ephemeral ports (32768 and up) make the server exit on start.
 */
async function freePorts(): Promise<Ports> {
  const names = ['frontend', 'frontendHttp', 'frontendMembership', 'history', 'historyMembership', 'matching', 'matchingMembership', 'worker', 'workerMembership'] as const;
  const ports = {} as Ports;
  const taken = new Set<number>();
  for (const n of names) {
    for (;;) {
      const port = 20_000 + Math.floor(Math.random() * 12_000);
      if (taken.has(port) || !(await bindable(port))) continue;
      taken.add(port);
      ports[n] = port;
      break;
    }
  }
  return ports;
}

function sqlStore(pg: PostgresServer, databaseName: string, maxConns: number) {
  return { sql: { pluginName: 'postgres12', databaseName, connectAddr: `${pg.host}:${pg.port}`, connectProtocol: 'tcp', user: pg.user, password: pg.password, maxConns, maxIdleConns: maxConns, maxConnLifetime: '1h' } };
}

/**
 * The server's config (JSON is YAML). numHistoryShards 4 as docker-compose's; it cannot change
 * once a database was set up with it.
 */
function serverConfig(pg: PostgresServer, ports: Ports, dynamicConfigFile: string) {
  const svc = (grpcPort: number, membershipPort: number, extra: object = {}) => ({ rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra } });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: 4,
      datastores: { 'postgres-default': sqlStore(pg, TEMPORAL_DATABASES.default, 20), 'postgres-visibility': sqlStore(pg, TEMPORAL_DATABASES.visibility, 10) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: svc(ports.frontend, ports.frontendMembership, { httpPort: ports.frontendHttp }),
      history: svc(ports.history, ports.historyMembership),
      matching: svc(ports.matching, ports.matchingMembership),
      worker: svc(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${ports.frontend}`, httpAddress: `127.0.0.1:${ports.frontendHttp}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  };
}

/**
 * Dynamic config: the settings the dev server gives nextdeploy too (eager activities), and search
 * attributes read through (a new one is usable at once, not after the cache's minute).
 */
const DYNAMIC_CONFIG = `system.enableActivityEagerExecution:
  - value: true
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
frontend.enableUpdateWorkflowExecution:
  - value: true
`;

async function waitServing(address: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`temporal-server exited (${child.exitCode ?? child.signalCode}) before serving; see its log`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal server at ${address} did not answer within ${timeoutMs} ms: ${String(last)}`);
}

/** Registers the namespace (7-day retention, as the dev server's) and the search attributes; both idempotent. */
async function ensureNamespace(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('7 days') });
    } catch (err) {
      if (!/already exists/i.test((err as Error).message)) throw err;
    }
    // A namespace is usable a moment after it is registered (the registry refreshes).
    for (let i = 0; ; i++) {
      try {
        await connection.workflowService.describeNamespace({ namespace });
        break;
      } catch (err) {
        if (i > 50) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = SEARCH_ATTRIBUTE_KEYS.filter((k) => !(k.name in (existing.customAttributes ?? {})));
    if (missing.length > 0) {
      // IndexedValueType 2 = KEYWORD.
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map((k) => [k.name, 2])) });
    }
  } finally {
    await connection.close();
  }
}

/** Options of {@link startClusterServer}. */
export interface ClusterServerOptions {
  binaries: ClusterBinaries;
  pg: PostgresServer;
  /** The cluster folder: `temporal/config.yaml`, `temporal/dynamicconfig.yaml`. */
  dir: string;
  logFile: string;
  namespace?: string;
  log?: (line: string) => void;
}

/** Sets up the schema, starts the server, and registers the namespace and search attributes. */
export async function startClusterServer(options: ClusterServerOptions): Promise<ClusterServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const namespace = options.namespace ?? 'default';
  setupSchema(options.binaries, options.pg, log);
  const dir = path.join(options.dir, 'temporal');
  mkdirSync(dir, { recursive: true });
  const ports = await freePorts();
  const dynamicConfigFile = path.join(dir, 'dynamicconfig.yaml');
  writeFileSync(dynamicConfigFile, DYNAMIC_CONFIG);
  const configFile = path.join(dir, 'config.yaml');
  // Holds the database password: owner-only.
  writeFileSync(configFile, `${JSON.stringify(serverConfig(options.pg, ports, dynamicConfigFile), null, 2)}\n`, { mode: 0o600 });
  const address = `127.0.0.1:${ports.frontend}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const ended = () => !child || child.exitCode !== null || child.signalCode !== null;
  const start = async () => {
    const out = openSync(options.logFile, 'a');
    const c = spawn(options.binaries.server, ['--config-file', configFile, '--allow-no-auth', 'start'], { stdio: ['ignore', out, out] });
    closeSync(out);
    child = c;
    exited = new Promise((resolve) => c.once('exit', () => resolve()));
    try {
      await waitServing(address, c, 90_000);
    } catch (err) {
      c.kill('SIGKILL');
      throw err;
    }
  };
  const kill = async () => {
    if (!ended()) child!.kill('SIGKILL');
    await exited;
  };
  await start();
  try {
    await ensureNamespace(address, namespace);
  } catch (err) {
    await kill();
    throw err;
  }
  log(`cluster: Temporal server ${address} (pid ${child!.pid}) on PostgreSQL ${options.pg.host}:${options.pg.port}`);
  return {
    address,
    namespace,
    get pid() {
      return child!.pid!;
    },
    kill,
    async restart() {
      await kill();
      await start();
    },
    async stop() {
      if (ended()) return;
      child!.kill('SIGTERM');
      const timer = setTimeout(() => child!.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
