import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The folder whose node_modules holds next (the repository root, also for a copy in .nextdeploy/). */
function workspaceRoot(dir) {
  for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'node_modules', 'next', 'package.json'))) return d;
  }
  return dir;
}

/**
 * A static export: `next build` writes the deployable folder `out/`, which nextdeploy uploads to
 * Cloudflare Pages with Direct Upload. The build manifests in `.next/` feed `npm run metadata`.
 * @type {import('next').NextConfig}
 */
const nextConfig = {
  output: 'export',
  // `/about` is exported as about.html, which Pages serves at /about (no rewrite rules needed).
  trailingSlash: false,
  images: { unoptimized: true },
  // next, react and react-dom come from the repository root's node_modules.
  turbopack: { root: workspaceRoot(here) },
  env: {
    // Shown on every page so a deploy is visibly the new version.
    NEXTDEPLOY_VERSION: process.env.NEXTDEPLOY_VERSION ?? 'dev',
  },
};

export default nextConfig;
