/**
 * The real stack the fault suite and the benchmarks run against: a Temporal dev server (in
 * memory), the local Cloudflare with the router deployed into it under workerd, and worker
 * processes spawned as children (`tsx worker/main.ts`) so a test can SIGKILL them.
 *
 *   const stack = await startFaultStack({ temporal: true });
 *   const worker = await stack.spawnWorker();
 *   …
 *   await stack.stop();
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LocalCloudflare, LocalCloudflareOptions } from '../cf-local/index.ts';
import { KV_NAMESPACE_TITLE } from '../router-worker/provision.ts';
import { startStack } from '../devstack/stack.ts';
import { Client, Connection } from '@temporalio/client';
import { spawnWorker, type WorkerProcess, type WorkerProcessOptions } from '../devstack/worker-process.ts';
import { startEdgeProxy, type EdgeProxy } from './edge-proxy.ts';

/** The Pages project every fault-suite app deploys to (seeded, so no API call makes it). */
export const FAULT_PROJECT = 'fault-proj';
/** Title of the seeded KV namespace the router reads. */
export const FAULT_KV_TITLE = KV_NAMESPACE_TITLE;

/** Options of {@link startFaultStack}. */
export interface FaultStackOptions {
  /**
   * Start a Temporal dev server (default true), or use this running Temporal instead (the
   * cluster test's server on PostgreSQL, cluster/cluster.ts).
   */
  temporal?: boolean | TemporalEndpoint;
  /** Emulator delays (default: short ones so a deploy takes about a second). */
  timing?: LocalCloudflareOptions['timing'];
  /**
   * The emulator's per-token API limit. Default: out of reach. A fault file makes over a thousand
   * calls in minutes, and the real limit (1,200 / 5 min) would turn that into 429s with a
   * Retry-After of minutes; the budget itself is measured by bench/deploy.ts.
   */
  rateLimit?: LocalCloudflareOptions['rateLimit'];
  /** Extra tokens (e.g. one lacking a permission). */
  tokens?: LocalCloudflareOptions['tokens'];
  /** More Pages projects to seed besides {@link FAULT_PROJECT}. */
  projects?: string[];
}

/** A Temporal frontend the stack's workers and client use; `pid` is the server process (for CPU figures). */
export interface TemporalEndpoint {
  address: string;
  namespace: string;
  readonly pid: number;
}

/** A running stack; everything it started stops in {@link FaultStack.stop}. */
export interface FaultStack {
  cf: LocalCloudflare;
  temporal: TemporalEndpoint | undefined;
  /** A client of the dev server (throws when started without Temporal). */
  client(): Client;
  /** The token every deploy uses: distinctive, so the secrets scan can look for it. */
  token: string;
  /** A 0600 file holding {@link FaultStack.token} (what workers get as CLOUDFLARE_API_TOKEN_FILE). */
  tokenFile: string;
  kvNamespaceId: string;
  /** The proxy in front of the edge that workers send their synthetic checks through. */
  edge: EdgeProxy;
  /** The router's admin bearer token. */
  adminToken: string;
  /** A temp folder for logs, configs and builds; removed on stop. */
  dir: string;
  /** Starts a worker process polling the task queue; resolves once it polls. */
  spawnWorker(options?: WorkerProcessOptions): Promise<WorkerProcess>;
  /** Every worker process spawned so far (for log scans). */
  workers: WorkerProcess[];
  /** Lines captured from child processes the tests ran (CLI runs), for the secrets scan. */
  captured: string[];
  stop(): Promise<void>;
}

/**
 * The product default (2 activities/s per task queue) keeps a fleet inside Cloudflare's API
 * budget; the fault suite is about outcomes, so it lifts it unless a test sets its own.
 */
const UNTHROTTLED_WORKER_ENV = {
  NEXTDEPLOY_MAX_ACTIVITIES_PER_SECOND: 'off',
  NEXTDEPLOY_MAX_TASK_QUEUE_ACTIVITIES_PER_SECOND: 'off',
  NEXTDEPLOY_CLOUDFLARE_CALLS_PER_SECOND: '100000',
  NEXTDEPLOY_CLOUDFLARE_CALL_BURST: '100000',
} as const;

/** Short delays: builds of 5 × 30 ms stages, domains active after 150 ms. */
export const FAST_TIMING = { buildStepMs: 30, directUploadStepMs: 20, domainActivationMs: 150 } as const;

export async function startFaultStack(options: FaultStackOptions = {}): Promise<FaultStack> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nextdeploy-faults-'));
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const token = `cfl_faulttoken_${randomBytes(18).toString('hex')}`;
  const tokenFile = path.join(dir, 'cf-token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  try {
    const adminToken = randomBytes(24).toString('base64url');
    const workers: WorkerProcess[] = [];
    const stack = await startStack(
      {
        cloudflare: {
          token,
          timing: { ...FAST_TIMING, ...options.timing },
          rateLimit: options.rateLimit ?? { requests: 1_000_000, windowMs: 300_000 },
          ...(options.tokens ? { tokens: options.tokens } : {}),
          projects: [FAULT_PROJECT, ...(options.projects ?? [])],
          router: { adminToken },
        },
        temporal: (options.temporal ?? true) === true ? { dbFilename: false, logFile: path.join(dir, 'logs', 'temporal.log'), log: () => undefined } : false,
      },
      async ({ cloudflare, onStop }) => {
        const edge = await startEdgeProxy(cloudflare!.cf.edgeUrl);
        onStop(() => edge.stop());
        let external: { client: Client } | undefined;
        if (typeof options.temporal === 'object') {
          const connection = await Connection.connect({ address: options.temporal.address });
          onStop(() => connection.close());
          external = { client: new Client({ connection, namespace: options.temporal.namespace }) };
        }
        onStop(() => Promise.all(workers.map((w) => w.stop())));
        return { edge, external };
      },
    );
    const { cf, kvNamespaceId } = stack.cloudflare!;
    const { edge } = stack;
    const temporal: TemporalEndpoint | undefined = typeof options.temporal === 'object' ? options.temporal : stack.temporal?.server;
    const client = stack.external?.client ?? stack.temporal?.client;
    return {
      cf,
      temporal,
      client() {
        if (!client) throw new Error('this fault stack was started without Temporal');
        return client;
      },
      token,
      tokenFile,
      kvNamespaceId,
      edge,
      adminToken,
      dir,
      workers,
      captured: [],
      async spawnWorker(workerOptions = {}) {
        if (!temporal) throw new Error('this fault stack was started without Temporal');
        const worker = await spawnWorker(
          {
            temporalAddress: temporal.address,
            namespace: temporal.namespace,
            // Checks connect (host:port) with the app's Host header to the edge proxy.
            cloudflare: { apiBaseUrl: cf.apiBaseUrl, tokenFile, edgeConnectTo: new URL(edge.url).host },
            logFile: path.join(dir, 'logs', `worker-${workers.length + 1}.log`),
          },
          { ...workerOptions, env: { ...UNTHROTTLED_WORKER_ENV, ...workerOptions.env } },
        );
        workers.push(worker);
        return worker;
      },
      async stop() {
        await stack.stop();
        // NEXTDEPLOY_FAULTS_KEEP=1 keeps worker and Temporal logs for a post-mortem.
        if (process.env.NEXTDEPLOY_FAULTS_KEEP === '1') process.stderr.write(`fault stack: kept ${dir}\n`);
        else rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
