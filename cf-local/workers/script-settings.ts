/**
 * A Worker's non-versioned settings (logpush, observability, tags, tail consumers): they belong to
 * the script, not to a version, so a version upload or a deployment does not change them and
 * `PATCH .../scripts/{name}/script-settings` changes them without a new version. `wrangler deploy`
 * of an existing Worker patches them after its deployment (a failed patch is its "Could not apply
 * service and environment tags" warning). Shapes: the SDK's `ScriptSetting`.
 */
import type { ScriptSetting } from 'cloudflare/resources/workers/scripts/scripts';
import type { AccountModel } from '../account-model.ts';
import { Errors } from '../errors.ts';
import type { ScriptSettingsRecord } from '../state.ts';
import { findScript } from './model.ts';

/** What a script never configured reads as (the API's defaults: logpush and observability off, no tags). */
export const DEFAULT_SCRIPT_SETTINGS: ScriptSettingsRecord = { logpush: false, observability: { enabled: false }, tags: [], tail_consumers: [] };

export function scriptSettings(account: AccountModel, script: string): ScriptSettingsRecord {
  return { ...DEFAULT_SCRIPT_SETTINGS, ...(findScript(account, script)?.settings ?? {}) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Applies the fields a PATCH names (a field left out keeps its value; `null` clears tags, tail
 * consumers or observability). A wrong type is the Workers API's validation error (10021) and
 * changes nothing.
 */
export function editScriptSettings(account: AccountModel, script: string, body: unknown): ScriptSetting {
  const s = findScript(account, script);
  if (!s) throw Errors.workerNotFound();
  if (!isObject(body)) throw Errors.workerValidation('Script settings must be a JSON object.');
  const next: ScriptSettingsRecord = { ...scriptSettings(account, script) };
  if ('logpush' in body) {
    if (typeof body.logpush !== 'boolean') throw Errors.workerValidation('logpush must be a boolean.');
    next.logpush = body.logpush;
  }
  if ('observability' in body) {
    const o = body.observability;
    if (o !== null && !(isObject(o) && typeof o.enabled === 'boolean')) throw Errors.workerValidation('observability must be an object with a boolean `enabled`, or null.');
    next.observability = o === null ? { enabled: false } : (o as ScriptSettingsRecord['observability']);
  }
  if ('tags' in body) {
    const t = body.tags;
    if (t !== null && !(Array.isArray(t) && t.every((x) => typeof x === 'string'))) throw Errors.workerValidation('tags must be an array of strings, or null.');
    next.tags = t === null ? [] : [...new Set(t as string[])];
  }
  if ('tail_consumers' in body) {
    const c = body.tail_consumers;
    if (c !== null && !(Array.isArray(c) && c.every((x) => isObject(x) && typeof x.service === 'string'))) {
      throw Errors.workerValidation('tail_consumers must be an array of { service } objects, or null.');
    }
    next.tail_consumers = c === null ? [] : (c as ScriptSettingsRecord['tail_consumers']);
  }
  s.settings = next;
  account.persist();
  return next;
}
