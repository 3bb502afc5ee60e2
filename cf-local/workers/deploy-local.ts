/** Deploying a Worker from code in-process (tests and the stack), without the multipart upload. */
import fs from 'node:fs';
import path from 'node:path';
import type { AccountModel } from '../account-model.ts';
import { LOCAL_ZONE_ID } from '../constants.ts';
import type { ScriptBinding, ScriptModule } from '../state.ts';
import { addRoute, listRoutes, putScript, updateRoute, type UploadMetadata } from './model.ts';

/** A Worker to deploy with `LocalCloudflare.deployWorker`. */
export interface WorkerDeployment {
  name: string;
  /** ES modules; the first one is the main module unless `mainModule` says otherwise. */
  modules?: Array<{ name: string; content: string | Uint8Array; type?: ScriptModule['type'] }>;
  /** A single bundled ES module file. */
  scriptPath?: string;
  mainModule?: string;
  bindings?: ScriptBinding[];
  compatibilityDate?: string;
  compatibilityFlags?: string[];
  /** Route patterns on the default zone (e.g. `*.apps.nextdeploy.test/*`). */
  routes?: string[];
}

/** Puts the script and points its route patterns on the default zone at it (an existing route is taken over). */
export async function deployLocalWorker(account: AccountModel, w: WorkerDeployment): Promise<{ name: string; routes: string[] }> {
  let modules: ScriptModule[];
  if (w.scriptPath) {
    const name = path.basename(w.scriptPath);
    modules = [{ name, type: 'esm', base64: fs.readFileSync(w.scriptPath).toString('base64') }];
  } else {
    modules = (w.modules ?? []).map((m) => ({
      name: m.name,
      type: m.type ?? 'esm',
      base64: Buffer.from(typeof m.content === 'string' ? Buffer.from(m.content, 'utf8') : m.content).toString('base64'),
    }));
  }
  if (modules.length === 0) throw new Error('deployWorker needs modules or scriptPath');
  const meta: UploadMetadata = {
    main_module: w.mainModule ?? modules[0]!.name,
    bindings: w.bindings ?? [],
    compatibility_date: w.compatibilityDate ?? '2025-01-01',
    compatibility_flags: w.compatibilityFlags ?? [],
  };
  await putScript(account, w.name, meta, modules);
  for (const pattern of w.routes ?? []) {
    const existing = listRoutes(account, { zoneId: LOCAL_ZONE_ID }).find((r) => r.pattern === pattern);
    if (existing) updateRoute(account, existing, { script: w.name });
    else addRoute(account, LOCAL_ZONE_ID, pattern, w.name);
  }
  return { name: w.name, routes: w.routes ?? [] };
}
