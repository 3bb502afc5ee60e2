/**
 * Cuts the vendored subset (openapi.json) out of Cloudflare's full schema, unedited: the listed
 * paths whole (every method), every component they reference, followed transitively, and the
 * security schemes. The full schema comes from the `cloudflare` SDK repository's `scripts/mock`
 * (gzipped base64); see README.md.
 *
 *     node cf-local/openapi/cut-schema.ts /tmp/full.json [extra path ...]
 *
 * With no extra paths it re-cuts the paths already vendored (a schema refresh).
 */
import { readFileSync, writeFileSync } from 'node:fs';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Doc = { paths: Record<string, Json>; components: Record<string, Record<string, Json>> } & Record<string, Json>;

const OUT = new URL('./openapi.json', import.meta.url);

/** Every `#/components/<kind>/<name>` a value refers to, directly or through other components. */
function referenced(full: Doc, roots: Json[]): Map<string, Set<string>> {
  const seen = new Map<string, Set<string>>();
  const stack = [...roots];
  while (stack.length) {
    const v = stack.pop();
    if (Array.isArray(v)) stack.push(...v);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref' && typeof x === 'string' && x.startsWith('#/components/')) {
          const [, , kind, name] = x.split('/') as [string, string, string, string];
          const names = seen.get(kind) ?? new Set<string>();
          seen.set(kind, names);
          if (!names.has(name)) {
            names.add(name);
            stack.push(full.components[kind]![name]!);
          }
        } else stack.push(x);
      }
    }
  }
  return seen;
}

export function cut(full: Doc, paths: string[], info: Json): Doc {
  const kept: Record<string, Json> = {};
  for (const p of paths) if (!full.paths[p]) throw new Error(`the full schema has no path ${p}`);
  // In the full schema's order, so a re-cut of the same paths is byte for byte the same file.
  for (const p of Object.keys(full.paths)) if (paths.includes(p)) kept[p] = full.paths[p]!;
  const refs = referenced(full, Object.values(kept));
  const components: Record<string, Record<string, Json>> = {};
  for (const kind of Object.keys(full.components).sort()) {
    if (kind === 'securitySchemes') {
      components[kind] = full.components[kind]!;
      continue;
    }
    const names = refs.get(kind);
    if (!names) continue;
    components[kind] = {};
    for (const name of [...names].sort()) components[kind]![name] = full.components[kind]![name]!;
  }
  // `info` is the vendored one: it says (x-subset-of) what the file is a subset of.
  return { openapi: full.openapi, info, servers: full.servers, paths: kept, components } as Doc;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const [source, ...extra] = process.argv.slice(2);
  if (!source) throw new Error('usage: cut-schema.ts <full schema.json> [extra path ...]');
  const full = JSON.parse(readFileSync(source, 'utf8')) as Doc;
  const current = JSON.parse(readFileSync(OUT, 'utf8')) as Doc;
  const doc = cut(full, [...new Set([...Object.keys(current.paths), ...extra])], current.info!);
  // Non-ASCII as \u escapes, as the vendored file has always been written.
  writeFileSync(OUT, JSON.stringify(doc, null, 1).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  console.log(`wrote ${Object.keys(doc.paths).length} paths, ${Object.keys(doc.components.schemas ?? {}).length} schemas`);
}
