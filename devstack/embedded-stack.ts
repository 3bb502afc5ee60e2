import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TASK_QUEUE } from '../core/workflow-contracts.ts';
import { cloudflareClient, ensureKvNamespace, ensurePagesProject } from '../client/cloudflare.ts';
import { EMBEDDED_PAGES_PROJECT } from '../client/settings.ts';
import { deployRouter } from '../client/router-deploy.ts';
import { readOrCreateSecret } from '../client/router-config.ts';
import { PROJECT_ROOT, stateDir, tsxNodeArgs } from './paths.ts';
import { removeStackInfo, stackPaths, writePrivateFile, writeStackInfo, type StackInfo } from './stack-file.ts';
import { startTemporalDevServer } from './temporal-dev-server.ts';
import { startLocalCloudflare } from '../cf-local/index.ts';

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

const WORKER_MAIN = path.join(PROJECT_ROOT, 'worker', 'main.ts');

async function waitForPoller(address: string, namespace: string, worker: ChildProcess, timeoutMs: number): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (worker.exitCode !== null || worker.signalCode !== null) throw new Error(`the worker exited (code ${worker.exitCode ?? worker.signalCode}) before polling; see ${path.join(stackPaths().logs, 'worker.log')}`);
      // taskQueueType 1 = TASK_QUEUE_TYPE_WORKFLOW: a worker that polls workflow tasks is up.
      const answer = await connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name: TASK_QUEUE }, taskQueueType: 1 });
      if ((answer.pollers ?? []).length > 0) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`the worker did not poll task queue ${TASK_QUEUE} within ${timeoutMs} ms; see its log`);
  } finally {
    await connection.close();
  }
}

function stopChild(child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
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
    const workerEnv: NodeJS.ProcessEnv = {
      ...(options.env ?? process.env),
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
    };
    if (options.cloudflareTarget === 'local') {
      const cf = await startLocalCloudflare({ stateDir: paths.cfLocalState });
      dropSignalHandlersAddedSince(signalHandlersBefore);
      stops.push(() => cf.stop());
      writePrivateFile(paths.localToken, `${cf.token}\n`);
      const client = cloudflareClient(cf.token, cf.apiBaseUrl);
      const kv = await ensureKvNamespace(client, cf.accountId);
      // The deploy uploads to an existing project; a fresh local Cloudflare has none.
      await ensurePagesProject(client, cf.accountId, EMBEDDED_PAGES_PROJECT);
      const appsDomain = `apps.${cf.zone.name}`;
      const router = await deployRouter(client, {
        accountId: cf.accountId,
        zoneId: cf.zone.id,
        kvNamespaceId: kv.id,
        appsDomain,
        adminToken: readOrCreateSecret(paths.routerAdminToken),
      });
      log(`stack: router ${router.script} (route ${router.pattern} ${router.route})`);
      cloudflare = {
        apiBaseUrl: cf.apiBaseUrl,
        edgeUrl: cf.edgeUrl,
        controlUrl: cf.controlUrl,
        accountId: cf.accountId,
        zoneId: cf.zone.id,
        zoneName: cf.zone.name,
        kvNamespaceId: kv.id,
        appsDomain,
      };
      for (const name of Object.keys(workerEnv)) if (name.startsWith('CLOUDFLARE_API_TOKEN')) delete workerEnv[name];
      Object.assign(workerEnv, {
        CLOUDFLARE_API_TOKEN_FILE: paths.localToken,
        CLOUDFLARE_API_BASE_URL: cf.apiBaseUrl,
        CLOUDFLARE_BASE_URL: cf.apiBaseUrl,
        CLOUDFLARE_ACCOUNT_ID: cf.accountId,
        CLOUDFLARE_ZONE_ID: cf.zone.id,
        // The app hostnames are not in DNS: the worker's checks connect to the local edge.
        NEXTDEPLOY_EDGE_CONNECT_TO: new URL(cf.edgeUrl).host,
      });
    }

    const workerLog = openSync(path.join(paths.logs, 'worker.log'), 'a');
    const worker = spawn(process.execPath, tsxNodeArgs(WORKER_MAIN), { cwd: PROJECT_ROOT, env: workerEnv, stdio: ['ignore', workerLog, workerLog] });
    const workerExited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
    stops.push(() => stopChild(worker));
    await waitForPoller(temporal.address, temporal.namespace, worker, 90_000);

    const info: StackInfo = {
      schema: 1,
      pid: process.pid,
      mode: options.mode,
      cloudflareTarget: options.cloudflareTarget,
      startedAt: new Date().toISOString(),
      temporal: { address: temporal.address, namespace: temporal.namespace, uiUrl: temporal.uiUrl, pid: temporal.pid },
      cloudflare,
      worker: { pid: worker.pid!, taskQueue: TASK_QUEUE },
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
