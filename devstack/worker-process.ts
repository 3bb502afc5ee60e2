/**
 * A real worker process (`node --import tsx worker/main.ts`): the embedded stack's worker, and the
 * fault suite's, which SIGKILLs it mid-step and starts another, as a crash in production would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TASK_QUEUE } from '../core/workflow-contracts.ts';
import { PROJECT_ROOT, tsxNodeArgs } from './paths.ts';

const WORKER_MAIN = path.join(PROJECT_ROOT, 'worker', 'main.ts');

/** Where the worker connects (filled in by the stack that spawns it). */
export interface WorkerTarget {
  temporalAddress: string;
  namespace: string;
  /** The local Cloudflare; absent when the worker's own environment names a real API and token. */
  cloudflare?: {
    apiBaseUrl: string;
    tokenFile: string;
    /** `host:port` the synthetic checks connect to (the app hostnames are not in DNS). */
    edgeConnectTo: string;
    accountId?: string;
    zoneId?: string;
  };
  /** The environment the worker starts from (default: this process's, minus the project's settings). */
  baseEnv?: NodeJS.ProcessEnv;
  logFile: string;
}

/** Per-worker choices a test may make. */
export interface WorkerProcessOptions {
  /** Extra environment (e.g. a rate limit for the fleet benchmark). */
  env?: NodeJS.ProcessEnv;
  /** A different token file (e.g. a token lacking a permission). */
  tokenFile?: string;
  /** How long to wait for the worker to poll (default 90 s: tsx compiles the worker first). */
  readyTimeoutMs?: number;
}

/** A running worker process. */
export interface WorkerProcess {
  pid: number;
  child: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (or signal) once the process ends. */
  exited: Promise<number | string | null>;
  /** SIGKILL: no shutdown, no heartbeat, no goodbye — a crash. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
  /** The log so far. */
  log(): string;
}

/** This process's environment without the project's own settings (a worker then gets exactly the ones given). */
export function neutralEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(CLOUDFLARE_|NEXTDEPLOY_|TEMPORAL_|VITEST|NODE_OPTIONS)/.test(key)) continue;
    env[key] = value;
  }
  return env;
}

/** Waits until a poller of this process (identity `<pid>@host`) is on the task queue. */
async function waitForPoller(target: WorkerTarget, child: ChildProcess, timeoutMs: number): Promise<void> {
  const connection = await Connection.connect({ address: target.temporalAddress });
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`worker ${child.pid} exited (${child.exitCode ?? child.signalCode}) before polling:\n${tail(target.logFile)}`);
      }
      const answer = await connection.workflowService.describeTaskQueue({ namespace: target.namespace, taskQueue: { name: TASK_QUEUE }, taskQueueType: 1 });
      if ((answer.pollers ?? []).some((p) => (p.identity ?? '').startsWith(`${child.pid}@`))) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`worker ${child.pid} did not poll ${TASK_QUEUE} within ${timeoutMs} ms:\n${tail(target.logFile)}`);
  } finally {
    await connection.close();
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}

function workerEnv(target: WorkerTarget, tokenFile: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...(target.baseEnv ?? neutralEnv()), TEMPORAL_ADDRESS: target.temporalAddress, TEMPORAL_NAMESPACE: target.namespace };
  const cf = target.cloudflare;
  if (!cf) return env;
  // The local Cloudflare's token replaces any the environment carries.
  for (const name of Object.keys(env)) if (name.startsWith('CLOUDFLARE_API_TOKEN')) delete env[name];
  return {
    ...env,
    CLOUDFLARE_API_TOKEN_FILE: tokenFile ?? cf.tokenFile,
    CLOUDFLARE_API_BASE_URL: cf.apiBaseUrl,
    CLOUDFLARE_BASE_URL: cf.apiBaseUrl,
    ...(cf.accountId ? { CLOUDFLARE_ACCOUNT_ID: cf.accountId } : {}),
    ...(cf.zoneId ? { CLOUDFLARE_ZONE_ID: cf.zoneId } : {}),
    NEXTDEPLOY_EDGE_CONNECT_TO: cf.edgeConnectTo,
  };
}

/** Spawns a worker process and resolves once it polls the task queue (it is killed if it never does). */
export async function spawnWorker(target: WorkerTarget, options: WorkerProcessOptions = {}): Promise<WorkerProcess> {
  const out = openSync(target.logFile, 'a');
  // `node --import tsx`, not the tsx CLI: the CLI runs the script in a second process, and a
  // SIGKILL of the first would leave the real worker running.
  const child = spawn(process.execPath, tsxNodeArgs(WORKER_MAIN), {
    cwd: PROJECT_ROOT,
    env: { ...workerEnv(target, options.tokenFile), ...options.env },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const ended = () => child.exitCode !== null || child.signalCode !== null;
  const worker: WorkerProcess = {
    pid: child.pid!,
    child,
    logFile: target.logFile,
    exited,
    async kill() {
      if (!ended()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (ended()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
    log: () => {
      try {
        return readFileSync(target.logFile, 'utf8');
      } catch {
        return '';
      }
    },
  };
  try {
    await waitForPoller(target, child, options.readyTimeoutMs ?? 90_000);
  } catch (err) {
    await worker.kill();
    throw err;
  }
  return worker;
}
