import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

/** The repository root (where package.json lives). */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Git-ignored local state: the Temporal dev-server database, provisioned binaries, the local
 * Cloudflare's state and logs. `NEXTDEPLOY_STATE_DIR` moves it (tests use a temp folder).
 */
export function stateDir(): string {
  return process.env.NEXTDEPLOY_STATE_DIR ?? path.join(PROJECT_ROOT, '.nextdeploy');
}

/** Where provisioned tools (the Temporal binaries) live; shared by every state dir. */
export const TOOLS_DIR = path.join(PROJECT_ROOT, '.nextdeploy', 'tools');

/**
 * Node flags for every process the project starts (worker, local Cloudflare, supervisor).
 * `--experimental-async-context-frame` (the default from Node 24) keeps AsyncLocalStorage — the
 * Temporal activity context, OpenTelemetry — off async_hooks, whose hook on every promise
 * cost the worker ~15 % of its CPU in the 200-deploy fleet (`npm run bench`).
 */
export const NODE_FLAGS = ['--experimental-async-context-frame'] as const;

/**
 * Node arguments that run a TypeScript file in this very process (tsx's loader), unlike the tsx
 * CLI, which forks: a background process's pid is then the process itself, and it leads its own
 * process group, so stopping the group stops everything it started.
 */
export function tsxNodeArgs(file: string): string[] {
  return [...NODE_FLAGS, '--import', pathToFileURL(path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href, file];
}
