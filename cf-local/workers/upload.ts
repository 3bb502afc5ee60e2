/**
 * One Worker upload (the multipart body of `PUT .../scripts/{name}` and `POST .../versions`) read
 * into a version: its modules, bindings, compatibility settings, annotations and assets (the
 * completion JWT of an assets upload session redeemed for its manifest). Both routes share it, so
 * a deploy and a versions upload accept exactly the same bodies.
 */
import { gzipSync } from 'node:zlib';
import type { AccountModel } from '../account-model.ts';
import { CfApiError, Errors } from '../errors.ts';
import type { ScriptBinding, ScriptModule, VersionAssets, WorkerVersionRecord } from '../state.ts';
import { assetUploads, AssetErrors } from './assets.ts';
import { moduleType, type UploadMetadata } from './model.ts';
import { makeVersion } from './versions.ts';

/** Source: developers.cloudflare.com/workers/platform/limits (Worker size after compression, Workers Paid). */
export const MAX_SCRIPT_GZIP_BYTES = 10 * 1024 * 1024;

/** Source: wrangler, which explains code 10027 as the Worker exceeding its size limit. */
export const scriptTooLarge = (bytes: number) =>
  new CfApiError(400, { code: 10027, message: `Your Worker exceeded the size limit of ${MAX_SCRIPT_GZIP_BYTES / 1024 / 1024} MB (${bytes} bytes after compression).` });

/** What the metadata part adds for versions and assets. */
export interface VersionMetadata extends UploadMetadata {
  annotations?: Record<string, string>;
  assets?: { jwt?: string; config?: Record<string, unknown> };
}

export interface ParsedUpload {
  meta: VersionMetadata;
  modules: ScriptModule[];
}

/** The metadata part and the module parts of a multipart Worker upload. */
export async function readUpload(form: FormData): Promise<ParsedUpload> {
  const metaPart = form.get('metadata');
  if (metaPart === null) throw Errors.workerValidation('Missing metadata part.');
  let meta: VersionMetadata;
  try {
    meta = JSON.parse(typeof metaPart === 'string' ? metaPart : await metaPart.text()) as VersionMetadata;
  } catch {
    throw Errors.workerValidation('metadata is not valid JSON.');
  }
  const modules: ScriptModule[] = [];
  for (const [field, value] of form.entries()) {
    if (field === 'metadata') continue;
    const blob = typeof value === 'string' ? new Blob([value], { type: 'application/javascript+module' }) : value;
    const name = typeof value === 'string' ? field : (value as File).name || field;
    const type = moduleType(blob.type, name);
    if (!type) continue;
    modules.push({ name, type, base64: Buffer.from(await blob.arrayBuffer()).toString('base64') });
  }
  return { meta, modules };
}

/** Refuses a bundle over the size limit, measured as Cloudflare does: compressed. */
export function checkScriptSize(modules: ScriptModule[]): void {
  const gz = gzipSync(Buffer.concat(modules.map((m) => Buffer.from(m.base64, 'base64')))).length;
  if (gz > MAX_SCRIPT_GZIP_BYTES) throw scriptTooLarge(gz);
}

/**
 * The assets of an upload: the completion JWT redeemed for its manifest. An `assets` binding
 * without assets is refused, as Cloudflare does; with `keep_assets` the previous version's stay.
 */
export function resolveAssets(account: AccountModel, script: string, meta: VersionMetadata & { keep_assets?: boolean }, previous: VersionAssets | undefined): VersionAssets | undefined {
  let assets: VersionAssets | undefined;
  if (meta.assets?.jwt !== undefined) assets = { manifest: assetUploads(account).redeem(script, meta.assets.jwt), config: meta.assets.config ?? {} };
  else if (meta.keep_assets && previous) assets = { ...previous, config: meta.assets?.config ?? previous.config };
  if (!assets && (meta.bindings ?? []).some((b) => b.type === 'assets')) throw AssetErrors.noAssets();
  return assets;
}

/** A version (not yet stored) from an upload of `script`, after the size, binding and assets checks. */
export function versionFromUpload(
  account: AccountModel,
  script: string,
  up: ParsedUpload,
  opts: { source: string; triggeredBy: string; bindings: ScriptBinding[]; previous?: WorkerVersionRecord },
): WorkerVersionRecord {
  checkScriptSize(up.modules);
  const main = up.meta.main_module ?? up.meta.body_part ?? '';
  const assets = resolveAssets(account, script, up.meta, opts.previous?.assets);
  return makeVersion(account, {
    script,
    source: opts.source,
    annotations: { 'workers/triggered_by': opts.triggeredBy, ...(up.meta.annotations ?? {}) },
    main_module: main,
    modules: up.modules,
    bindings: opts.bindings,
    compatibility_date: up.meta.compatibility_date ?? '2025-01-01',
    compatibility_flags: up.meta.compatibility_flags ?? [],
    ...(assets ? { assets } : {}),
  });
}
