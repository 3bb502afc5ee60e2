import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort } from './free-port.ts';
import { stateDir } from './paths.ts';
import { resolveTemporalBinary } from './temporal-binaries.ts';
import { SEARCH_ATTRIBUTE_KEYS } from '../core/search-attributes.ts';


/** Options for {@link startTemporalDevServer}; every field has a working default. */
export interface DevServerOptions {
  /** gRPC port (default: a free one). */
  port?: number;
  /** Web UI port (default: a free one). */
  uiPort?: number;
  /** SQLite file so history survives a restart (default `.nextdeploy/temporal.db`); `false` = in memory. */
  dbFilename?: string | false;
  namespace?: string;
  /** Keep running after this process exits (the embedded stack that `start-deploy` leaves behind). */
  detached?: boolean;
  /** Where the server's own output goes (default `.nextdeploy/logs/temporal.log`). */
  logFile?: string;
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

/** A running dev server. `stop()` ends it and waits for the process to exit. */
export interface RunningDevServer {
  address: string;
  uiUrl: string;
  namespace: string;
  pid: number;
  dbFilename: string | undefined;
  stop(): Promise<void>;
}

async function waitUntilServing(address: string, namespace: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`temporal server start-dev exited with code ${child.exitCode} before serving; see its log`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`Temporal dev server at ${address} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}

async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Starts `temporal server start-dev` on 127.0.0.1 with the Web UI, a persistent database and the
 * `App`/`DeployVersion` search attributes, and resolves once the namespace answers.
 */
export async function startTemporalDevServer(options: DevServerOptions = {}): Promise<RunningDevServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const binary = await resolveTemporalBinary('cli', { log });
  const port = options.port ?? (await freePort());
  const uiPort = options.uiPort ?? (await freePort());
  const namespace = options.namespace ?? 'default';
  const dbFilename = options.dbFilename === false ? undefined : (options.dbFilename ?? path.join(stateDir(), 'temporal.db'));
  const logFile = options.logFile ?? path.join(stateDir(), 'logs', 'temporal.log');
  if (dbFilename) mkdirSync(path.dirname(dbFilename), { recursive: true });
  mkdirSync(path.dirname(logFile), { recursive: true });

  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--ui-ip', '127.0.0.1',
    '--ui-port', String(uiPort),
    '--namespace', namespace,
    '--log-level', 'warn',
    // Lets the server hand an activity straight back to the worker that completed the workflow
    // task scheduling it (eager execution, on by default in Temporal Cloud) when that worker asks,
    // skipping a trip through matching; a deploy's activities run on its workflow's worker anyway.
    // sdk-core asks only when the worker has no task-queue rate limit (NEXTDEPLOY_MAX_TASK_QUEUE_ACTIVITIES_PER_SECOND=off).
    '--dynamic-config-value', 'system.enableActivityEagerExecution=true',
    // Registered on every start: the CLI treats an existing attribute of the same type as a no-op.
    ...SEARCH_ATTRIBUTE_KEYS.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
    ...(dbFilename ? ['--db-filename', dbFilename] : []),
  ];
  const out = openSync(logFile, 'a');
  const child = spawn(binary.path, args, {
    stdio: ['ignore', out, out],
    detached: options.detached ?? false,
  });
  if (options.detached) child.unref();
  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilServing(address, namespace, child, options.startTimeoutMs ?? 60_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    namespace,
    pid: child.pid!,
    dbFilename,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 10_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5_000);
      }
    },
  };
}
