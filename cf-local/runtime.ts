import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Log, LogLevel, Miniflare } from 'miniflare';
import type { ScriptRecord } from './state.ts';
import { CfApiError, Errors } from './errors.ts';

/** The KV binding the emulator's internal worker has for a namespace id. */
export function kvBindingName(namespaceId: string): string {
  return `KV_${namespaceId.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

const INTERNAL_WORKER = '__cf_local_internal';
const INTERNAL_SCRIPT = `export default { fetch() { return new Response('cf-local internal worker', { status: 404 }); } };`;

export type OutboundHandler = (request: Request) => Promise<Response>;

/** The subset of the Workers KV binding the REST handlers use. */
export interface KvBinding {
  get(key: string, options: { type: 'arrayBuffer' }): Promise<ArrayBuffer | null>;
  getWithMetadata(key: string, options: { type: 'arrayBuffer' }): Promise<{ value: ArrayBuffer | null; metadata: unknown }>;
  /** Up to 100 keys in one call (the binding's bulk read; text values only). */
  getWithMetadata(keys: string[], options: { type: 'text' }): Promise<Map<string, { value: string | null; metadata: unknown } | null>>;
  put(key: string, value: ArrayBuffer | Uint8Array | string, options?: { expiration?: number; expirationTtl?: number; metadata?: unknown }): Promise<void>;
  delete(key: string): Promise<void>;
  list(options?: { prefix?: string; cursor?: string; limit?: number }): Promise<{
    keys: Array<{ name: string; expiration?: number; metadata?: unknown }>;
    list_complete: boolean;
    cursor?: string;
  }>;
}

/**
 * One Miniflare (workerd) instance owns every KV namespace and every uploaded Worker: the REST API
 * reads and writes KV through an internal worker's bindings, and uploaded Workers bind the same
 * namespace ids, so both see one store. Changes (new namespace, new script) rebuild the workerd
 * config with `setOptions`; KV data lives in Miniflare's storage (a folder when persisting) and
 * survives the rebuild.
 */
export class WorkerRuntime {
  private mf: Miniflare | undefined;
  private namespaces: string[] = [];
  private scripts: ScriptRecord[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private kvCache = new Map<string, KvBinding>();
  private tmpDir: string | undefined;

  constructor(
    private readonly opts: {
      persistDir?: string;
      outbound: OutboundHandler;
      /** Serves a Pages deployment's static files (the `ASSETS` binding of its `_worker.js`). */
      pagesAssets?: (deploymentId: string, request: Request) => Promise<Response>;
      /** Serves a Worker version's static assets (its `assets` binding, usually `ASSETS`). */
      workerAssets?: (versionId: string, request: Request) => Promise<Response> | Response;
      verbose?: boolean;
    },
  ) {}

  private readonly proxySecret = randomBytes(24).toString('hex');

  private buildOptions(namespaces: string[], scripts: ScriptRecord[]): ConstructorParameters<typeof Miniflare>[0] {
    const internalEnv: Record<string, unknown> = {};
    for (const id of namespaces) internalEnv[kvBindingName(id)] = { type: 'kv', id };
    const workers: unknown[] = [
      {
        config: {
          name: INTERNAL_WORKER,
          compatibilityDate: '2025-01-01',
          manifest: { mainModule: 'internal.mjs', modules: { 'internal.mjs': { type: 'esm', contents: INTERNAL_SCRIPT } } },
          env: internalEnv,
        },
      },
    ];
    for (const s of scripts) workers.push(this.workerConfig(s));
    // No dev registry: these Workers must not be discoverable by (or collide with) other
    // Miniflare/wrangler processes on the machine. Scratch files go to a private temp folder.
    this.tmpDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'cf-local-workerd-'));
    const options: Record<string, unknown> = { host: '127.0.0.1', workers, enableDevRegistry: false, resourceTmpPath: this.tmpDir };
    if (this.opts.persistDir) options.resourcePersistencePath = path.resolve(this.opts.persistDir);
    // Worker console output, for debugging the emulator (CF_LOCAL_DEBUG_LOG=1).
    if (process.env.CF_LOCAL_DEBUG_LOG) options.log = new Log(LogLevel.DEBUG);
    // With this secret on a request, Miniflare's entry gives the Worker the Host of the request's URL, as Cloudflare does.
    options.unsafeProxySharedSecret = this.proxySecret;
    return options as ConstructorParameters<typeof Miniflare>[0];
  }

  private workerConfig(s: ScriptRecord): unknown {
    const modules: Record<string, { type: string; contents: string | Uint8Array }> = {};
    for (const m of s.modules) {
      const bytes = Buffer.from(m.base64, 'base64');
      modules[m.name] = { type: m.type, contents: m.type === 'data' || m.type === 'wasm' ? new Uint8Array(bytes) : bytes.toString('utf8') };
    }
    const env: Record<string, unknown> = {};
    for (const b of s.bindings) {
      if (b.type === 'kv_namespace') env[b.name] = { type: 'kv', id: String((b as { namespace_id: string }).namespace_id) };
      else if (b.type === 'plain_text' || b.type === 'secret_text') env[b.name] = { type: 'text', value: String((b as { text: string }).text) };
      else if (b.type === 'json') env[b.name] = { type: 'json', value: (b as { json: unknown }).json };
      else if (b.type === 'pages_assets') {
        const id = String((b as { deployment_id: string }).deployment_id);
        const assets = this.opts.pagesAssets;
        env[b.name] = { type: 'fetcher', handler: (req: Request) => (assets ? assets(id, req) : Promise.resolve(new Response('no assets', { status: 404 }))) };
      } else if (b.type === 'assets') {
        const id = String((b as { version_id?: string }).version_id ?? '');
        const assets = this.opts.workerAssets;
        env[b.name] = { type: 'fetcher', handler: async (req: Request) => (assets ? assets(id, req) : new Response('no assets', { status: 404 })) };
      }
    }
    const outbound = this.opts.outbound;
    return {
      config: {
        name: s.id,
        compatibilityDate: s.compatibility_date || '2025-01-01',
        compatibilityFlags: s.compatibility_flags,
        manifest: { mainModule: s.main_module, modules },
        env,
      },
      dev: { outboundService: { type: 'fetcher', handler: (req: Request) => outbound(req) } },
    };
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async start(namespaces: string[], scripts: ScriptRecord[]): Promise<void> {
    await this.serial(async () => {
      this.namespaces = [...namespaces];
      this.scripts = [...scripts];
      this.mf = new Miniflare(this.buildOptions(this.namespaces, this.scripts));
      await this.mf.ready;
    });
  }

  /** Rebuild with these namespaces and scripts; a script that fails to start is rolled back and reported as 10021. */
  async apply(namespaces: string[], scripts: ScriptRecord[]): Promise<void> {
    await this.serial(async () => {
      const mf = this.mustMf();
      const prev = { namespaces: this.namespaces, scripts: this.scripts };
      this.kvCache.clear();
      try {
        await mf.setOptions(this.buildOptions(namespaces, scripts));
        this.namespaces = [...namespaces];
        this.scripts = [...scripts];
      } catch (err) {
        await mf.setOptions(this.buildOptions(prev.namespaces, prev.scripts));
        const text = err instanceof Error ? err.message : String(err);
        const uncaught = /Uncaught [^\n]*(\n\s+at [^\n]*)?/.exec(text)?.[0];
        throw Errors.workerValidation(uncaught ? `${uncaught.trim()}` : `Script startup failed: ${text.slice(0, 500)}`);
      }
    });
  }

  hasNamespace(id: string): boolean {
    return this.namespaces.includes(id);
  }

  async kv(namespaceId: string): Promise<KvBinding> {
    return this.serial(async () => {
      const cached = this.kvCache.get(namespaceId);
      if (cached) return cached;
      if (!this.namespaces.includes(namespaceId)) throw Errors.kvNamespaceNotFound();
      const kv = (await this.mustMf().getKVNamespace(kvBindingName(namespaceId), INTERNAL_WORKER)) as unknown as KvBinding;
      this.kvCache.set(namespaceId, kv);
      return kv;
    });
  }

  hasScript(name: string): boolean {
    return this.scripts.some((s) => s.id === name);
  }

  /** Hand a request to an uploaded Worker. */
  async fetchWorker(name: string, request: Request): Promise<Response> {
    const mf = await this.serial(async () => this.mustMf());
    const headers = new Headers(request.headers);
    // Through Miniflare's entry, named by its route override, as a request from the internet would
    // come: getWorker()'s proxy goes by a /cdn-cgi/ URL, where Miniflare refuses any Origin that is
    // not localhost (its dev-server CSRF guard), so a browser's form POST would never arrive.
    headers.set('MF-Route-Override', name);
    headers.set('MF-Proxy-Shared-Secret', this.proxySecret);
    const init: RequestInit & { duplex?: 'half' } = { method: request.method, headers, redirect: 'manual' };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      init.body = Buffer.from(await request.arrayBuffer());
    }
    const res = (await mf.dispatchFetch(request.url, init as never)) as unknown as Response;
    // Miniflare's own bookkeeping (the body is already decoded): not part of the Worker's answer.
    if (!res.headers.has('mf-content-encoding')) return res;
    const answer = new Headers(res.headers);
    answer.delete('mf-content-encoding');
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers: answer });
  }

  private mustMf(): Miniflare {
    if (!this.mf) throw new CfApiError(503, { code: 10013, message: 'workerd is not running' });
    return this.mf;
  }

  async dispose(): Promise<void> {
    await this.queue.catch(() => undefined);
    const mf = this.mf;
    this.mf = undefined;
    this.kvCache.clear();
    await mf?.dispose();
    if (this.tmpDir) fs.rmSync(this.tmpDir, { recursive: true, force: true });
    this.tmpDir = undefined;
  }
}
