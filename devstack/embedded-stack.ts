import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { TASK_QUEUE } from '../core/workflow-contracts.ts';
import { stateDir } from './paths.ts';
import { startCloudflareWithRouter } from './stack.ts';
import { spawnWorker, type WorkerTarget } from './worker-process.ts';
import { EMBEDDED_PAGES_PROJECT, readOrCreateSecret, removeStackInfo, stackPaths, writePrivateFile, writeStackInfo, type StackInfo } from './stack-file.ts';
import { startTemporalDevServer } from './temporal-dev-server.ts';

/** Options of {@link startEmbeddedStack}. */
export interface EmbeddedStackOptions {
  mode: StackInfo['mode'];
  /** `local`: start the local Cloudflare and deploy the router into it; `api`: the worker uses the real API. */
  cloudflareTarget: StackInfo['cloudflareTarget'];
  /** Environment for the worker when the target is `api` (its token and base URL come from here). */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
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
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        log(`stack: stopping a component failed: ${(err as Error).message}`);
      }
    }
    stops.length = 0;
  };
  try {
    const temporal = await startTemporalDevServer({ log });
    stops.push(() => temporal.stop());

    let cloudflare: StackInfo['cloudflare'] = null;
    let workerCloudflare: WorkerTarget['cloudflare'];
    if (options.cloudflareTarget === 'local') {
      const local = await startCloudflareWithRouter({
        stateDir: paths.cfLocalState,
        // The deploy uploads to an existing project; a fresh local Cloudflare has none.
        projects: [EMBEDDED_PAGES_PROJECT],
        router: { adminToken: readOrCreateSecret(paths.routerAdminToken) },
      });
      const cf = local.cf;
      dropSignalHandlersAddedSince(signalHandlersBefore);
      stops.push(() => cf.stop());
      writePrivateFile(paths.localToken, `${cf.token}\n`);
      log(`stack: router deployed (route *.${local.appsDomain}/*)`);
      cloudflare = {
        apiBaseUrl: cf.apiBaseUrl,
        edgeUrl: cf.edgeUrl,
        controlUrl: cf.controlUrl,
        accountId: cf.accountId,
        zoneId: cf.zone.id,
        zoneName: cf.zone.name,
        kvNamespaceId: local.kvNamespaceId,
        appsDomain: local.appsDomain,
      };
      // The app hostnames are not in DNS: the worker's checks connect to the local edge.
      workerCloudflare = { apiBaseUrl: cf.apiBaseUrl, tokenFile: paths.localToken, edgeConnectTo: local.edgeHost, accountId: cf.accountId, zoneId: cf.zone.id };
    }

    const worker = await spawnWorker({
      temporalAddress: temporal.address,
      namespace: temporal.namespace,
      ...(workerCloudflare ? { cloudflare: workerCloudflare } : {}),
      baseEnv: options.env ?? process.env,
      logFile: path.join(paths.logs, 'worker.log'),
    });
    const workerExited = worker.exited.then((code) => (typeof code === 'number' ? code : null));
    stops.push(() => worker.stop());

    const info: StackInfo = {
      schema: 1,
      pid: process.pid,
      mode: options.mode,
      cloudflareTarget: options.cloudflareTarget,
      startedAt: new Date().toISOString(),
      temporal: { address: temporal.address, namespace: temporal.namespace, uiUrl: temporal.uiUrl, pid: temporal.pid },
      cloudflare,
      worker: { pid: worker.pid, taskQueue: TASK_QUEUE },
      logDir: paths.logs,
    };
    writeStackInfo(info);
    return {
      info,
      workerExited,
      async stop() {
        removeStackInfo(stateDir(), process.pid);
        await stopAll();
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
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
