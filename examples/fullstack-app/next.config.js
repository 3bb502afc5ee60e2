import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The folder whose node_modules holds next (the repository root, also for a copy in a temp dir). */
function workspaceRoot(dir) {
  for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'node_modules', 'next', 'package.json'))) return d;
  }
  return dir;
}

/**
 * A server build (no `output: 'export'`): `opennextjs-cloudflare build` turns `.next/` into a
 * Worker (`.open-next/worker.js`) plus its static assets (`.open-next/assets/`).
 * @type {import('next').NextConfig}
 */
const nextConfig = {
  // next, react and react-dom come from the repository root's node_modules.
  turbopack: { root: workspaceRoot(here) },
  // Workers have no sharp; OpenNext's image optimisation needs an IMAGES binding we do not declare.
  images: { unoptimized: true },
  experimental: {
    // Behind nextdeploy's router the Worker is reached at its version URL, and OpenNext sets
    // x-forwarded-host from that Host: Next.js would refuse a server action whose Origin is the
    // app's public hostname. nextdeploy's build passes the app's hostnames in NEXTDEPLOY_PUBLIC_HOSTS.
    serverActions: { allowedOrigins: (process.env.NEXTDEPLOY_PUBLIC_HOSTS ?? '**.nextdeploy.test').split(',').filter(Boolean) },
  },
  // No build-time `env`: the version shown on every page is the Worker's NEXTDEPLOY_VERSION var,
  // read per request, so one build serves every version nextdeploy uploads.
};

export default nextConfig;
