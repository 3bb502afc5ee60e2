/**
 * What the fault suite reads back from the emulator to judge an outcome: KV contents, Pages
 * deployments, DNS records, custom domains, and the mutation log.
 */
import type { LocalCloudflare } from '../cf-local/index.ts';
import { kvKeys, type ActiveRecord, type VersionEntry } from '../core/kv-records.ts';

/** Every key of the namespace with its value (text). */
export async function kvDump(cf: LocalCloudflare, namespaceId: string): Promise<Record<string, string>> {
  const kv = await cf.core.runtime.kv(namespaceId);
  const out: Record<string, string> = Object.create(null);
  let cursor: string | undefined;
  do {
    const page = await kv.list({ ...(cursor ? { cursor } : {}), limit: 1000 });
    for (const key of page.keys) {
      const value = await kv.get(key.name, { type: 'arrayBuffer' });
      if (value !== null) out[key.name] = Buffer.from(value).toString('utf8');
    }
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return out;
}

/** The emulator's state that a deploy changes, in a form two snapshots can be compared by. */
export async function cloudflareSnapshot(cf: LocalCloudflare, namespaceId: string): Promise<{ kv: Record<string, string>; dns: unknown[]; domains: unknown[]; deployments: string[]; scripts: string[] }> {
  const state = cf.state();
  return {
    kv: await kvDump(cf, namespaceId),
    dns: state.dnsRecords.map((r) => ({ name: r.record.name, type: r.record.type, content: r.record.content, proxied: r.record.proxied })),
    domains: state.domains.map((d) => ({ name: d.name, project: d.project_name })),
    deployments: state.deployments.map((d) => d.id),
    scripts: (state.scripts ?? []).map((s) => `${s.id}:${s.etag}`),
  };
}

/** One app's KV view: active record and versions list (null when absent). */
export async function appKv(cf: LocalCloudflare, namespaceId: string, app: string): Promise<{ active: ActiveRecord | null; versions: VersionEntry[] | null }> {
  const kv = await cf.core.runtime.kv(namespaceId);
  const read = async (key: string) => {
    const v = await kv.get(key, { type: 'arrayBuffer' });
    return v === null ? null : JSON.parse(Buffer.from(v).toString('utf8'));
  };
  return { active: await read(kvKeys.active(app)), versions: await read(kvKeys.versions(app)) };
}

/** Applied mutations (state changed) whose path matches. */
export function appliedMutations(cf: LocalCloudflare, pathPattern?: RegExp): ReturnType<LocalCloudflare['mutations']> {
  return cf.mutations().filter((m) => m.outcome === 'applied' && (!pathPattern || pathPattern.test(m.path)));
}
