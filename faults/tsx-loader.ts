import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../devstack/paths.ts';

/**
 * `node --import <this>` runs a .ts file in one process, whatever the cwd (a bare `--import tsx`
 * resolves from the cwd; the tsx CLI forks a second process that a SIGKILL would not reach).
 */
export const TSX_IMPORT = pathToFileURL(path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
