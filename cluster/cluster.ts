/**
 * A Temporal cluster on one machine, built from the real parts: PostgreSQL, the Temporal server
 * on it (schema by Temporal's SQL tool, namespace and search attributes registered) and the Web
 * UI. Workers are the caller's (`npm run cluster` and the cluster test spawn them).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ensureClusterBinaries, type ClusterBinaries } from './binaries.ts';
import { startPostgres, type PostgresServer } from './postgres.ts';
import { startClusterServer, type ClusterServer } from './temporal-server.ts';
import { startWebUi, type WebUi } from './web-ui.ts';

/** A running cluster; `stop()` stops the UI, the server, then PostgreSQL. */
export interface TemporalCluster {
  binaries: ClusterBinaries;
  postgres: PostgresServer;
  server: ClusterServer;
  ui: WebUi | undefined;
  stop(): Promise<void>;
}

/** Options of {@link startTemporalCluster}. */
export interface ClusterOptions {
  /** Holds the database, configs and logs (`logs/`); reused on the next start. */
  dir: string;
  /** Start the Web UI (default true). */
  ui?: boolean;
  log?: (line: string) => void;
}

export async function startTemporalCluster(options: ClusterOptions): Promise<TemporalCluster> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const logs = path.join(options.dir, 'logs');
  mkdirSync(logs, { recursive: true });
  const binaries = await ensureClusterBinaries(log);
  const postgres = await startPostgres({ dir: options.dir, logFile: path.join(logs, 'postgres.log') });
  const stops: (() => Promise<void>)[] = [() => postgres.stop()];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err: Error) => log(`cluster: stopping failed: ${err.message}`));
    stops.length = 0;
  };
  try {
    const server = await startClusterServer({ binaries, pg: postgres, dir: options.dir, logFile: path.join(logs, 'temporal-server.log'), log });
    stops.push(() => server.stop());
    const ui = (options.ui ?? true) ? await startWebUi({ binary: binaries.ui, temporalAddress: server.address, dir: options.dir, logFile: path.join(logs, 'web-ui.log') }) : undefined;
    if (ui) stops.push(() => ui.stop());
    return { binaries, postgres, server, ui, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
