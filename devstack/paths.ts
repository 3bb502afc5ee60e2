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
 * Node arguments that run a TypeScript file in this very process (tsx's loader), unlike the tsx
 * CLI, which forks: a background process's pid is then the process itself, and it leads its own
 * process group, so stopping the group stops everything it started.
 */
export function tsxNodeArgs(file: string): string[] {
  return ['--import', pathToFileURL(path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href, file];
}
