import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * A static export: `next build` writes the deployable folder `out/`, which nextdeploy uploads to
 * Cloudflare Pages with Direct Upload. The build manifests in `.next/` feed `npm run metadata`.
 * @type {import('next').NextConfig}
 */
const nextConfig = {
  output: 'export',
  // `/about` is served as `/about/index.html` on Pages, which needs no rewrite rules.
  trailingSlash: false,
  images: { unoptimized: true },
  // next, react and react-dom come from the repository root's node_modules.
  turbopack: { root: path.join(here, '..', '..') },
  env: {
    // Shown on every page so a deploy is visibly the new version.
    NEXTDEPLOY_VERSION: process.env.NEXTDEPLOY_VERSION ?? 'dev',
  },
};

export default nextConfig;
