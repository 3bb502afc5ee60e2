import fs from 'node:fs';
import path from 'node:path';
import type { Zone } from 'cloudflare/resources/zones/zones';
import type { RecordResponse } from 'cloudflare/resources/dns/records';
import type { Namespace } from 'cloudflare/resources/kv/namespaces/namespaces';
import type { Project, Deployment } from 'cloudflare/resources/pages/projects/projects';
import { LOCAL_WORKERS_SUBDOMAIN } from './constants.ts';
import type { ScriptModule, ScriptBinding, ScriptRecord, ScriptSettingsRecord, VersionAssets, WorkerVersionRecord, WorkerDeploymentRecord, WorkerDomainRecord, RouteRecord } from './workers/records.ts';
export type { ScriptModule, ScriptBinding, ScriptRecord, ScriptSettingsRecord, VersionAssets, WorkerVersionRecord, WorkerDeploymentRecord, WorkerDomainRecord, RouteRecord } from './workers/records.ts';

/** A configured API token (values are secrets: never logged, never listed). */
export interface TokenRecord {
  id: string;
  name: string;
  value: string;
  /** Permission group names; `'*'` = every group in the catalogue. */
  permissionGroups: string[] | '*';
  status: 'active' | 'disabled' | 'expired';
  issued_on: string;
  modified_on: string;
  expires_on?: string;
  not_before?: string;
}

export interface DnsRecordEntry {
  zoneId: string;
  record: RecordResponse;
}

/** What the emulator keeps of a Pages project; the API's `Project` is derived from it (see pages-projects.ts). */
export interface ProjectRecord {
  id: string;
  name: string;
  created_on: string;
  production_branch: string;
  subdomain: string;
  build_config: NonNullable<Project['build_config']>;
  deployment_configs: Project['deployment_configs'];
  /** Present for projects connected to a git repository; absent for Direct Upload projects (wrangler tells them apart this way). */
  source?: Project['source'];
  framework: string;
  framework_version: string;
  /** Rollback pointers: deployment id → when it was made the live production deployment. */
  rollbacks: Record<string, number>;
}

export type StageName = Deployment['stages'][number]['name'];
export const STAGES: StageName[] = ['queued', 'initialize', 'clone_repo', 'build', 'deploy'];

/** What the emulator keeps of a deployment; stages are derived from the clock (see pages-deployments.ts). */
export interface DeploymentRecord {
  id: string;
  short_id: string;
  project_id: string;
  project_name: string;
  created_on: string;
  createdAtMs: number;
  branch: string;
  environment: 'preview' | 'production';
  kind: 'direct_upload' | 'git';
  trigger_type: Deployment['deployment_trigger']['type'];
  commit_hash: string;
  commit_message: string;
  commit_dirty: boolean;
  /** Direct Upload: "/path" → asset hash. */
  manifest?: Record<string, string>;
  /** Extra files sent beside the manifest (`_headers`, `_redirects`, `_routes.json`, `_worker.bundle` …), base64. */
  specialFiles?: Record<string, string>;
  stepMs: number;
  /** Stage at which the build fails (from a build-failure scenario), if any. */
  failAt?: StageName;
  failMessage?: string;
  /** Env vars and build config captured at creation. */
  env_vars: Deployment['env_vars'];
  build_config: Deployment['build_config'];
}

export interface DomainRecord {
  id: string;
  name: string;
  project_name: string;
  created_on: string;
  createdAtMs: number;
  domain_id: string;
  zone_tag: string;
  activationMs: number;
  /** 'normal' activates after `activationMs`; 'stuck' stays pending; 'error' fails validation. */
  scenario: 'normal' | 'stuck' | 'error';
  certificate_authority: 'google' | 'lets_encrypt';
  txt_value: string;
  /** The HTTP validation token the certificate authority fetches (absent on records from before). */
  acme_token?: string;
  /** When the authority got the token back: the domain is active from then on. */
  validatedAtMs?: number;
  /** Why the last validation request failed, while the domain stays pending. */
  validation_error?: string;
}

export interface AssetMeta {
  contentType: string;
  size: number;
}


/** Everything but KV values (Miniflare keeps those) and asset bytes (files beside it). */
export interface StateData {
  version: 1;
  defaultTokenValue?: string;
  zones: Zone[];
  dnsRecords: DnsRecordEntry[];
  kvNamespaces: Namespace[];
  projects: ProjectRecord[];
  deployments: DeploymentRecord[];
  domains: DomainRecord[];
  assets: Record<string, AssetMeta>;
  scripts: ScriptRecord[];
  routes: RouteRecord[];
  workerVersions: WorkerVersionRecord[];
  workerDeployments: WorkerDeploymentRecord[];
  /** Absent from state files written before custom domains: loading fills in `[]` (see Store). */
  workerDomains: WorkerDomainRecord[];
  /** The account's `<subdomain>.workers.dev`. */
  workersSubdomain: string;
  /** Per script: whether `<script>.<subdomain>.workers.dev` and its version preview URLs answer. */
  scriptSubdomains: Record<string, { enabled: boolean; previews_enabled: boolean }>;
}

export function emptyState(): StateData {
  return {
    version: 1,
    zones: [],
    dnsRecords: [],
    kvNamespaces: [],
    projects: [],
    deployments: [],
    domains: [],
    assets: {},
    scripts: [],
    routes: [],
    workerVersions: [],
    workerDeployments: [],
    workerDomains: [],
    workersSubdomain: LOCAL_WORKERS_SUBDOMAIN,
    scriptSubdomains: {},
  };
}

/**
 * The emulator's non-KV state: in memory, and (with a state folder) written to `state.json` after
 * every change, asset bytes to `assets/<hash>`. Writes are synchronous and atomic (tmp + rename)
 * so a crash never leaves half a file.
 */
export class Store {
  data: StateData;
  private assetBytes = new Map<string, Buffer>();
  readonly dir: string | undefined;

  constructor(dir?: string) {
    this.dir = dir;
    this.data = emptyState();
    if (dir) {
      fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });
      const file = path.join(dir, 'state.json');
      if (fs.existsSync(file)) {
        const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as StateData;
        // Fields added since the file was written (e.g. workerDomains) start empty.
        if (parsed.version === 1) this.data = { ...emptyState(), ...parsed };
      }
    }
  }

  save(): void {
    if (!this.dir) return;
    const file = path.join(this.dir, 'state.json');
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.data));
    fs.renameSync(tmp, file);
  }

  putAsset(hash: string, contentType: string, bytes: Buffer): void {
    this.data.assets[hash] = { contentType, size: bytes.length };
    if (this.dir) {
      const file = path.join(this.dir, 'assets', hash);
      if (!fs.existsSync(file)) {
        fs.writeFileSync(`${file}.tmp`, bytes);
        fs.renameSync(`${file}.tmp`, file);
      }
    } else {
      this.assetBytes.set(hash, bytes);
    }
  }

  // Hashes come from requests: own keys only, so `constructor` or `__proto__` is never "stored".
  hasAsset(hash: string): boolean {
    return Object.hasOwn(this.data.assets, hash);
  }

  getAsset(hash: string): { contentType: string; bytes: Buffer } | undefined {
    const meta = Object.hasOwn(this.data.assets, hash) ? this.data.assets[hash] : undefined;
    if (!meta) return undefined;
    const bytes = this.dir ? readIfExists(path.join(this.dir, 'assets', hash)) : this.assetBytes.get(hash);
    return bytes ? { contentType: meta.contentType, bytes } : undefined;
  }

  /** Forget everything (the reset of the control API); the caller re-seeds defaults. */
  clear(): void {
    const defaultTokenValue = this.data.defaultTokenValue;
    this.data = emptyState();
    this.data.defaultTokenValue = defaultTokenValue;
    this.assetBytes.clear();
    if (this.dir) {
      fs.rmSync(path.join(this.dir, 'assets'), { recursive: true, force: true });
      fs.mkdirSync(path.join(this.dir, 'assets'), { recursive: true });
    }
    this.save();
  }
}

function readIfExists(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}
