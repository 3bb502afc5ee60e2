import type Cloudflare from 'cloudflare';
import { cloudflareClient } from './cloudflare.ts';
import type { Target } from './target.ts';
import { activeRecordSchema, kvKeys, versionsListSchema, type ActiveRecord, type VersionEntry } from '../core/kv-records.ts';

async function readKey(client: Cloudflare, accountId: string, namespaceId: string, key: string): Promise<string | null> {
  try {
    const response = await client.kv.namespaces.values.get(key, { account_id: accountId, namespace_id: namespaceId });
    return await response.text();
  } catch (err) {
    if ((err as { status?: number }).status === 404) return null;
    throw err;
  }
}

/** What KV says about an app: the live record and the versions list (either may be absent). */
export interface AppKvState {
  active: ActiveRecord | null;
  versions: VersionEntry[];
  /** Records that exist but do not parse (shown, never hidden). */
  problems: string[];
}

/** Reads `${app}:active` and `${app}:versions`. */
export async function readAppState(client: Cloudflare, accountId: string, namespaceId: string, app: string): Promise<AppKvState> {
  const [activeText, versionsText] = await Promise.all([
    readKey(client, accountId, namespaceId, kvKeys.active(app)),
    readKey(client, accountId, namespaceId, kvKeys.versions(app)),
  ]);
  const problems: string[] = [];
  let active: ActiveRecord | null = null;
  let versions: VersionEntry[] = [];
  if (activeText !== null) {
    const parsed = activeRecordSchema.safeParse(safeJson(activeText));
    if (parsed.success) active = parsed.data;
    else problems.push(`${kvKeys.active(app)} does not parse as an active record`);
  }
  if (versionsText !== null) {
    const parsed = versionsListSchema.safeParse(safeJson(versionsText));
    if (parsed.success) versions = parsed.data;
    else problems.push(`${kvKeys.versions(app)} does not parse as a versions list`);
  }
  return { active, versions, problems };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The version the edge serves now, from the app's live record. A failed or refused workflow
 * reports no live version of its own; the CLI asks KV rather than printing "nothing".
 */
export async function liveVersionFromKv(target: Target, app: string): Promise<string | null> {
  const state = await readAppState(cloudflareClient(target.token, target.config.apiBaseUrl), target.config.accountId, target.config.kvNamespaceId, app);
  return state.active?.version ?? null;
}
