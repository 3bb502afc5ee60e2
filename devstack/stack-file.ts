import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { processAlive } from './file-lock.ts';
import { stateDir } from './paths.ts';

/** The Pages project the embedded stack creates and the embedded defaults deploy the example app to. */
export const EMBEDDED_PAGES_PROJECT = 'nextdeploy-example';

/**
 * `.nextdeploy/stack.json`: what the embedded stack runs and where, so the next command finds
 * and reuses it. Holds addresses, pids and URLs; never a token (those are in 0600 files beside it).
 */
export const stackInfoSchema = z.object({
  schema: z.literal(1),
  /** The supervisor: stopping it stops everything. */
  pid: z.number().int().positive(),
  mode: z.enum(['background', 'foreground']),
  /** `local` = the local Cloudflare and router; `api` = a real Cloudflare API (configured runs). */
  cloudflareTarget: z.enum(['local', 'api']),
  startedAt: z.string(),
  temporal: z.object({ address: z.string(), namespace: z.string(), uiUrl: z.string(), pid: z.number().int() }),
  cloudflare: z
    .object({
      apiBaseUrl: z.string(),
      edgeUrl: z.string(),
      controlUrl: z.string(),
      accountId: z.string(),
      zoneId: z.string(),
      zoneName: z.string(),
      kvNamespaceId: z.string(),
      appsDomain: z.string(),
    })
    .nullable(),
  worker: z.object({ pid: z.number().int(), taskQueue: z.string() }).nullable(),
  logDir: z.string(),
});
/** The contents of `stack.json`. */
export type StackInfo = z.infer<typeof stackInfoSchema>;

/** Files of the embedded stack, all in the git-ignored state folder. */
export function stackPaths(dir = stateDir()) {
  return {
    info: path.join(dir, 'stack.json'),
    lock: path.join(dir, 'stack.lock'),
    /** The local Cloudflare's API token (0600): a local emulator's, but still never printed. */
    localToken: path.join(dir, 'cf-local-token'),
    /** The router's admin bearer token (0600), generated once. */
    routerAdminToken: path.join(dir, 'router-admin-token'),
    cfLocalState: path.join(dir, 'cf-local'),
    logs: path.join(dir, 'logs'),
    supervisorLog: path.join(dir, 'logs', 'stack.log'),
  };
}

/** Writes a file atomically with owner-only permissions. */
export function writePrivateFile(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

export function writeStackInfo(info: StackInfo, dir = stateDir()): void {
  writePrivateFile(stackPaths(dir).info, `${JSON.stringify(info, null, 2)}\n`);
}

/** The recorded stack, if the file exists and parses (not checked for liveness). */
export function readStackInfo(dir = stateDir()): StackInfo | undefined {
  const file = stackPaths(dir).info;
  if (!existsSync(file)) return undefined;
  try {
    const parsed = stackInfoSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function removeStackInfo(dir = stateDir(), onlyIfPid?: number): void {
  const current = readStackInfo(dir);
  if (onlyIfPid !== undefined && current && current.pid !== onlyIfPid) return;
  rmSync(stackPaths(dir).info, { force: true });
}

/** True when something accepts TCP connections at `host:port`. */
export function portAnswers(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function hostPort(address: string): [string, number] {
  const url = address.includes('://') ? new URL(address) : new URL(`tcp://${address}`);
  return [url.hostname, Number(url.port)];
}

/** What is found in the state folder: a healthy stack, one that is up but broken, or none. */
export type StackState =
  | { state: 'running'; info: StackInfo }
  | { state: 'unhealthy'; info: StackInfo; problem: string }
  | { state: 'none' };

/**
 * Checks the recorded stack: the supervisor and worker pids are alive and Temporal and the local
 * Cloudflare answer on their ports. A file whose supervisor is gone (crash, reboot) is removed.
 */
export async function inspectStack(dir = stateDir()): Promise<StackState> {
  const info = readStackInfo(dir);
  if (!info) return { state: 'none' };
  if (!processAlive(info.pid)) {
    removeStackInfo(dir, info.pid);
    return { state: 'none' };
  }
  if (info.worker !== null && !processAlive(info.worker.pid)) return { state: 'unhealthy', info, problem: `its worker (pid ${info.worker.pid}) is not running` };
  if (!(await portAnswers(...hostPort(info.temporal.address)))) return { state: 'unhealthy', info, problem: `Temporal does not answer at ${info.temporal.address}` };
  if (info.cloudflare && !(await portAnswers(...hostPort(info.cloudflare.apiBaseUrl)))) {
    return { state: 'unhealthy', info, problem: `the local Cloudflare does not answer at ${info.cloudflare.apiBaseUrl}` };
  }
  return { state: 'running', info };
}

/** A secret generated once and kept in a 0600 file in the git-ignored state folder. */
export function readOrCreateSecret(file: string): string {
  if (existsSync(file)) {
    const value = readFileSync(file, 'utf8').trim();
    if (value) return value;
  }
  const value = randomBytes(24).toString('base64url');
  writePrivateFile(file, `${value}\n`);
  return value;
}
