// The Workers records the local Cloudflare keeps (state.ts holds them in StateData): uploaded
// scripts, their versions and deployments, settings, custom domains and zone routes.

export interface ScriptModule {
  name: string;
  /** Miniflare module type. */
  type: 'esm' | 'cjs' | 'text' | 'data' | 'wasm';
  base64: string;
}

export type ScriptBinding =
  | { type: 'kv_namespace'; name: string; namespace_id: string }
  | { type: 'plain_text' | 'secret_text'; name: string; text: string }
  | { type: 'json'; name: string; json: unknown }
  | { type: 'service'; name: string; service: string; environment?: string }
  | { type: 'pages_assets'; name: string; deployment_id: string }
  | { type: string; name: string; [k: string]: unknown };

export interface ScriptRecord {
  id: string;
  created_on: string;
  modified_on: string;
  etag: string;
  main_module: string;
  modules: ScriptModule[];
  bindings: ScriptBinding[];
  compatibility_date: string;
  compatibility_flags: string[];
  usage_model: string;
  /** Non-versioned settings (workers/script-settings.ts); absent = the defaults. */
  settings?: ScriptSettingsRecord;
}

/** A script's non-versioned settings, as `.../script-settings` shows them. */
export interface ScriptSettingsRecord {
  logpush: boolean;
  observability: { enabled: boolean; head_sampling_rate?: number | null; [k: string]: unknown };
  tags: string[];
  tail_consumers: Array<{ service: string; environment?: string; namespace?: string }>;
}

/** Static assets of a Worker version: what its upload session's manifest named, and how they are served. */
export interface VersionAssets {
  /** "/path" → { hash, size }, as the upload session's manifest gave it. */
  manifest: Record<string, { hash: string; size: number }>;
  /** `assets.config` of the version's metadata (html_handling, not_found_handling, run_worker_first, ...). */
  config: Record<string, unknown>;
}

/** One uploaded version of a Worker (`PUT .../scripts/{name}` or `POST .../versions`). */
export interface WorkerVersionRecord {
  id: string;
  script: string;
  number: number;
  created_on: string;
  source: string;
  annotations: Record<string, string>;
  main_module: string;
  modules: ScriptModule[];
  bindings: ScriptBinding[];
  compatibility_date: string;
  compatibility_flags: string[];
  assets?: VersionAssets;
}

/** Which versions of a script serve its traffic, and by what share. */
export interface WorkerDeploymentRecord {
  id: string;
  script: string;
  created_on: string;
  source: string;
  strategy: 'percentage';
  annotations: Record<string, string>;
  versions: Array<{ version_id: string; percentage: number }>;
}

/** A Workers Custom Domain (workers/custom-domains.ts): the Worker is the origin of one hostname. */
export interface WorkerDomainRecord {
  id: string;
  hostname: string;
  service: string;
  zone_id: string;
  zone_name: string;
  cert_id: string;
  created_on: string;
  /** The managed DNS record made on attach (proxied AAAA `100::`), removed on detach. */
  dns_record_id: string;
}

export interface RouteRecord {
  id: string;
  zoneId: string;
  pattern: string;
  script?: string;
}
