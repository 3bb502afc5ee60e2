import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Where an app deploys: a static export to Pages, anything with a server to Workers. */
export type DeployTarget = 'pages' | 'workers';

const NEXT_CONFIGS = ['next.config.js', 'next.config.mjs', 'next.config.ts', 'next.config.cjs'];

/**
 * The default target of a Next.js app: `output: 'export'` in its next.config (a static export,
 * `out/`, Pages Direct Upload) → `pages`; otherwise it needs a server → `workers`. Read as text,
 * not executed: a config that computes `output` is seen as a server app (say `target` then).
 */
export function defaultTarget(appDir: string): DeployTarget {
  const file = NEXT_CONFIGS.map((f) => path.join(appDir, f)).find(existsSync);
  if (!file) return 'workers';
  const source = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|(^|[^:])\/\/.*$/gm, '$1');
  return /\boutput\s*:\s*['"`]export['"`]/.test(source) ? 'pages' : 'workers';
}
