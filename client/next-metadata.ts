import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { formatZodIssues, metadataSchema, pagesHostsFor, routePathSchema, type Metadata } from '../core/metadata.ts';

/** The four build manifests `metadata` reads, relative to the `.next` folder. */
export const NEXT_MANIFESTS = {
  routes: 'routes-manifest.json',
  prerender: 'prerender-manifest.json',
  appPathRoutes: 'app-path-routes-manifest.json',
  pages: path.join('server', 'pages-manifest.json'),
} as const;

// Only the fields read here; the rest of each manifest may change between Next.js versions.
const routesManifestSchema = z.object({
  basePath: z.string().default(''),
  staticRoutes: z.array(z.object({ page: z.string() })).default([]),
  dynamicRoutes: z.array(z.object({ page: z.string() })).default([]),
});
const prerenderManifestSchema = z.object({ routes: z.record(z.string(), z.unknown()).default({}) });
const pathMapSchema = z.record(z.string(), z.string());

/** A build folder that cannot produce metadata; the message names the file and what to do. */
export class NextBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NextBuildError';
  }
}

function readManifest<T>(nextDir: string, file: string, schema: z.ZodType<T>, required: boolean): T | undefined {
  const abs = path.join(nextDir, file);
  if (!existsSync(abs)) {
    if (required) throw new NextBuildError(`${abs} does not exist; run \`next build\` first (is ${nextDir} the app's .next folder?)`);
    return undefined;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(abs, 'utf8'));
  } catch (err) {
    throw new NextBuildError(`${abs} is not valid JSON (${(err as Error).message}); rebuild the app`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new NextBuildError(`${abs}: ${formatZodIssues(parsed.error).join('; ')}`);
  return parsed.data;
}

/** Framework-internal pages that are never routed to by path. */
function isInternal(page: string): boolean {
  return page.split('/').some((segment) => segment.startsWith('_')) || page === '/404' || page === '/500';
}

/**
 * A Next.js page pattern as a router prefix: everything before the first dynamic segment
 * (`/blog/[slug]` → `/blog`, `/[...all]` → `/`); groups and slots never reach the URL.
 */
export function routePrefix(page: string): string {
  const kept: string[] = [];
  for (const segment of page.split('/').filter(Boolean)) {
    if (segment.startsWith('[')) break;
    if (segment.startsWith('(') || segment.startsWith('@')) continue;
    kept.push(segment);
  }
  return `/${kept.join('/')}`;
}

/** What {@link metadataFromNextBuild} needs besides the build. */
export interface MetadataOptions {
  app: string;
  version: string;
  /** The Pages project the build deploys to; targets are `https://<project>.pages.dev`. */
  pagesProject: string;
}

/** The result: validated metadata and the page patterns that became each route. */
export interface GeneratedMetadata {
  metadata: Metadata;
  /** Route path → the Next.js pages it covers (for the CLI's summary). */
  sources: Record<string, string[]>;
}

/**
 * Builds `metadata.json` from a real `.next` folder: every App Router and Pages Router page, API
 * route and dynamic route (as its static prefix) becomes a route to the Pages project. The
 * workflow later pins targets to the deployment's own URL.
 */
export function metadataFromNextBuild(nextDir: string, options: MetadataOptions): GeneratedMetadata {
  const routes = readManifest(nextDir, NEXT_MANIFESTS.routes, routesManifestSchema, true)!;
  const prerender = readManifest(nextDir, NEXT_MANIFESTS.prerender, prerenderManifestSchema, false);
  const appPaths = readManifest(nextDir, NEXT_MANIFESTS.appPathRoutes, pathMapSchema, false);
  const pages = readManifest(nextDir, NEXT_MANIFESTS.pages, pathMapSchema, false);

  const patterns = new Set<string>([
    ...routes.staticRoutes.map((r) => r.page),
    ...routes.dynamicRoutes.map((r) => r.page),
    ...Object.values(appPaths ?? {}),
    ...Object.keys(pages ?? {}),
    ...Object.keys(prerender?.routes ?? {}),
  ]);
  const target = `https://${options.pagesProject}.pages.dev`;
  const sources: Record<string, string[]> = Object.create(null);
  for (const page of [...patterns].sort()) {
    if (isInternal(page)) continue;
    const prefix = routePrefix(page);
    const route = `${routes.basePath}${prefix === '/' ? '' : prefix}` || '/';
    if (!routePathSchema.safeParse(route).success) {
      throw new NextBuildError(`page ${page} gives the route "${route}", which is not a valid route path`);
    }
    (sources[route] ??= []).push(page);
  }
  const candidate = {
    app: options.app,
    version: options.version,
    defaultTarget: target,
    routes: Object.fromEntries(Object.keys(sources).sort().map((route) => [route, target])),
  };
  const parsed = metadataSchema({ allowedHosts: pagesHostsFor(options.pagesProject) }).safeParse(candidate);
  if (!parsed.success) throw new NextBuildError(formatZodIssues(parsed.error).join('\n'));
  return { metadata: parsed.data, sources };
}
