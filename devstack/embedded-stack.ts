import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { TASK_QUEUE } from '../core/workflow-contracts.ts';
import { stateDir } from './paths.ts';
import { startStack } from './stack.ts';
import { spawnWorker, type WorkerTarget } from './worker-process.ts';
import { EMBEDDED_PAGES_PROJECT, readOrCreateSecret, removeStackInfo, stackPaths, writePrivateFile, writeStackInfo, type StackInfo } from './stack-file.ts';

/** Options of {@link startEmbeddedStack}. */
export interface EmbeddedStackOptions {
  mode: StackInfo['mode'];
  /** `local`: start the local Cloudflare and deploy the router into it; `api`: the worker uses the real API. */
  cloudflareTarget: StackInfo['cloudflareTarget'];
  /** Environment for the worker when the target is `api` (its token and base URL come from here). */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /**
   * Run Temporal as a cluster instead of the dev server: the Temporal server built from source on
   * PostgreSQL (state in `.nextdeploy/cluster`), its Web UI, and this many workers.
   */
  cluster?: { workers: number };
}

/** A running stack: its recorded info and how to stop all of it. */
export interface RunningStack {
  info: StackInfo;
  /** Resolves when the worker exits on its own (a crash), with its exit code. */
  workerExited: Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * Starts the embedded stack in this process tree: the Temporal dev server (Web UI, history kept in
 * `.nextdeploy/temporal.db`), the local Cloudflare (state in `.nextdeploy/cf-local`) with the
 * router deployed into it, and a worker process; then records it in `.nextdeploy/stack.json`.
 */
export async function startEmbeddedStack(options: EmbeddedStackOptions): Promise<RunningStack> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const signalHandlersBefore = new Map<string, Function[]>(STOP_SIGNALS.map((s) => [s, process.listeners(s)]));
  const paths = stackPaths();
  mkdirSync(paths.logs, { recursive: true });
  const local = options.cloudflareTarget === 'local';
  const stack = await startStack(
    {
      cloudflare: local
        ? {
            stateDir: paths.cfLocalState,
            // The deploy uploads to an existing project; a fresh local Cloudflare has none.
            projects: [EMBEDDED_PAGES_PROJECT],
            router: { adminToken: readOrCreateSecret(paths.routerAdminToken) },
          }
        : false,
      temporal: options.cluster ? false : { log },
    },
    async ({ cloudflare: started, temporal, onStop }) => {
      dropSignalHandlersAddedSince(signalHandlersBefore);
      let cloudflare: StackInfo['cloudflare'] = null;
      let workerCloudflare: WorkerTarget['cloudflare'];
      if (started) {
        const { cf } = started;
        writePrivateFile(paths.localToken, `${cf.token}\n`);
        log(`stack: router deployed (route *.${started.appsDomain}/*)`);
        cloudflare = {
          apiBaseUrl: cf.apiBaseUrl,
          edgeUrl: cf.edgeUrl,
          controlUrl: cf.controlUrl,
          accountId: cf.accountId,
          zoneId: cf.zone.id,
          zoneName: cf.zone.name,
          kvNamespaceId: started.kvNamespaceId,
          appsDomain: started.appsDomain,
        };
        // The app hostnames are not in DNS: the worker's checks connect to the local edge.
        workerCloudflare = { apiBaseUrl: cf.apiBaseUrl, tokenFile: paths.localToken, edgeConnectTo: started.edgeHost, accountId: cf.accountId, zoneId: cf.zone.id };
      }
      let server: StackInfo['temporal'];
      if (options.cluster) {
        // Loaded here: only `npm run cluster` needs the Go-built server and PostgreSQL.
        const { startTemporalCluster } = await import('../cluster/cluster.ts');
        const cluster = await startTemporalCluster({ dir: path.join(stateDir(), 'cluster'), log });
        onStop(() => cluster.stop());
        server = { address: cluster.server.address, namespace: cluster.server.namespace, uiUrl: cluster.ui!.url, pid: cluster.server.pid };
      } else {
        const dev = temporal!.server;
        server = { address: dev.address, namespace: dev.namespace, uiUrl: dev.uiUrl, pid: dev.pid };
      }
      const workers = [];
      for (let i = 1; i <= (options.cluster?.workers ?? 1); i++) {
        const worker = await spawnWorker({
          temporalAddress: server.address,
          namespace: server.namespace,
          ...(workerCloudflare ? { cloudflare: workerCloudflare } : {}),
          baseEnv: options.env ?? process.env,
          logFile: path.join(paths.logs, i === 1 ? 'worker.log' : `worker-${i}.log`),
        });
        onStop(() => worker.stop());
        workers.push(worker);
      }
      const worker = workers[0]!;
      const info: StackInfo = {
        schema: 1,
        pid: process.pid,
        mode: options.mode,
        cloudflareTarget: options.cloudflareTarget,
        startedAt: new Date().toISOString(),
        temporal: server,
        cloudflare,
        worker: { pid: worker.pid, taskQueue: TASK_QUEUE },
        logDir: paths.logs,
      };
      writeStackInfo(info);
      // Any worker's crash ends the stack, as the one worker's does without a cluster.
      const workerExited = Promise.race(workers.map((w) => w.exited.then((code) => (typeof code === 'number' ? code : null))));
      return { info, workerExited };
    },
    (err) => log(`stack: stopping a component failed: ${err.message}`),
  );
  return {
    info: stack.info,
    workerExited: stack.workerExited,
    async stop() {
      removeStackInfo(stateDir(), process.pid);
      await stack.stop();
    },
  };
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Removes the SIGINT/SIGTERM/SIGHUP handlers added since `before` was taken. Miniflare (inside the
 * local Cloudflare) adds handlers that call `process.exit` at once, which would orphan the
 * Temporal server and the worker; the stack's own `stop()` stops workerd too, so it must run
 * instead. Handlers from before (tsx's signal relay) stay.
 */
function dropSignalHandlersAddedSince(before: Map<string, Function[]>): void {
  for (const signal of STOP_SIGNALS) {
    const keep = new Set(before.get(signal) ?? []);
    for (const listener of process.listeners(signal)) if (!keep.has(listener)) process.removeListener(signal, listener as (...args: unknown[]) => void);
  }
}

/** Calls `onSignal` on SIGINT, SIGTERM or SIGHUP (the stack's owner stops it there). */
export function onStopSignal(onSignal: (signal: NodeJS.Signals) => void): void {
  for (const signal of STOP_SIGNALS) process.on(signal, () => onSignal(signal));
}
