import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Zone } from 'cloudflare/resources/zones/zones';
import {
  DEFAULT_RATE_LIMIT,
  DEFAULT_TOKEN_ID,
  LOCAL_ACCOUNT_ID,
  LOCAL_ACCOUNT_NAME,
  LOCAL_USER_EMAIL,
  LOCAL_USER_ID,
  LOCAL_ZONE_ID,
  LOCAL_ZONE_NAME,
} from './constants.ts';
import { Errors } from './errors.ts';
import { globMatches } from './glob.ts';
import { hexId } from './http.ts';
import { Faults, Observations, RateLimiter, type RateLimitConfig } from './observe.ts';
import { expandGranted, permissionGroupCatalogue, type PermissionGroup } from './permissions.ts';
import { WorkerRuntime, type OutboundHandler } from './runtime.ts';
import { Store, type ProjectRecord, type ScriptRecord, type StageName, type TokenRecord } from './state.ts';
import type { CertificateAuthority } from './certificate-authority.ts';

/** The Worker that runs a Pages deployment's `_worker.js`. */
export function pagesFunctionName(deploymentId: string): string {
  return `pages-fn-${deploymentId}`;
}

export interface TokenConfig {
  /** The secret the client sends as `Authorization: Bearer <value>`. */
  value: string;
  /** Permission group names (e.g. 'Pages Write', 'Zone Read'); omitted = every group. */
  permissionGroups?: string[];
  name?: string;
  id?: string;
  /** 'disabled' or 'expired' tokens are refused with 401 code 1000. */
  status?: 'active' | 'disabled' | 'expired';
  expires_on?: string;
}

export interface Timing {
  /** Duration of each build stage of a git deployment (queued → initialize → clone_repo → build → deploy). */
  buildStepMs: number;
  /** Duration of each stage of a Direct Upload deployment. */
  directUploadStepMs: number;
  /** Time for a custom domain to go from initializing/pending to active. */
  domainActivationMs: number;
  /** Lifetime of a Pages upload JWT. */
  uploadTokenTtlMs: number;
}

export const DEFAULT_TIMING: Timing = {
  buildStepMs: 200,
  directUploadStepMs: 40,
  domainActivationMs: 1000,
  uploadTokenTtlMs: 10 * 60_000,
};

export interface BuildFailureScenario {
  id: string;
  project?: string;
  branch?: string;
  /** Stage that fails (default 'build'). */
  stage?: StageName;
  message?: string;
  /** Number of deployments it applies to (default: all until removed). */
  count?: number;
}

export interface DomainScenario {
  id: string;
  /** Domain name, or a glob like `*.example.com`. */
  domain: string;
  mode: 'stuck' | 'error';
}

export interface CoreOptions {
  stateDir?: string;
  defaultToken: string;
  tokens: TokenConfig[];
  timing: Timing;
  rateLimit: RateLimitConfig;
  outbound: OutboundHandler;
  /** Permission-group names from the OpenAPI schema, when that module is present. */
  schemaPermissionGroups?: string[];
  /** Static files of a Pages deployment, for its Functions' `ASSETS` binding. */
  pagesAssets?: (deploymentId: string, request: Request) => Promise<Response>;
}

/** The emulator's state and rules, shared by the API server, the control API and the edge. */
export class LocalCloudflareCore {
  readonly store: Store;
  readonly runtime: WorkerRuntime;
  readonly faults = new Faults();
  readonly observe = new Observations();
  /** Validates custom domains over HTTP through the edge; set once the edge exists (index.ts). */
  certificateAuthority?: CertificateAuthority;
  readonly rateLimiter: RateLimiter;
  timing: Timing;
  tokens: TokenRecord[] = [];
  buildFailures: BuildFailureScenario[] = [];
  domainScenarios: DomainScenario[] = [];
  permissionGroups: PermissionGroup[];
  private readonly jwtSecret = randomBytes(32);
  private scenarioSeq = 0;

  constructor(readonly options: CoreOptions) {
    this.store = new Store(options.stateDir);
    this.timing = options.timing;
    this.rateLimiter = new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
    this.permissionGroups = permissionGroupCatalogue(options.schemaPermissionGroups ?? []);
    this.runtime = new WorkerRuntime({
      persistDir: options.stateDir ? `${options.stateDir}/miniflare` : undefined,
      outbound: options.outbound,
      ...(options.pagesAssets ? { pagesAssets: options.pagesAssets } : {}),
    });
    this.configureTokens();
    this.seedDefaults();
  }

  now(): number {
    return Date.now();
  }

  isoNow(): string {
    return new Date(this.now()).toISOString();
  }

  persist(): void {
    this.store.save();
  }

  // --- tokens ---------------------------------------------------------------------------

  private configureTokens(): void {
    const issued = new Date().toISOString();
    this.tokens = [
      {
        id: DEFAULT_TOKEN_ID,
        name: 'cf-local default token',
        value: this.options.defaultToken,
        permissionGroups: '*',
        status: 'active',
        issued_on: issued,
        modified_on: issued,
      },
    ];
    for (const t of this.options.tokens) this.addToken(t);
  }

  addToken(t: TokenConfig): TokenRecord {
    const issued = this.isoNow();
    const rec: TokenRecord = {
      id: t.id ?? hexId(),
      name: t.name ?? `cf-local token ${this.tokens.length}`,
      value: t.value,
      permissionGroups: t.permissionGroups ?? '*',
      status: t.status ?? 'active',
      issued_on: issued,
      modified_on: issued,
    };
    if (t.expires_on) rec.expires_on = t.expires_on;
    this.tokens = this.tokens.filter((x) => x.value !== t.value);
    this.tokens.push(rec);
    return rec;
  }

  findToken(value: string): TokenRecord | undefined {
    return this.tokens.find((t) => t.value === value);
  }

  tokenStatus(t: TokenRecord): TokenRecord['status'] {
    if (t.status !== 'active') return t.status;
    if (t.expires_on && Date.parse(t.expires_on) <= this.now()) return 'expired';
    return 'active';
  }

  grantedGroups(t: TokenRecord): Set<string> {
    if (t.permissionGroups === '*') return new Set(this.permissionGroups.map((g) => g.name));
    return expandGranted(t.permissionGroups);
  }

  /** True when the token holds at least one of the groups (an empty list needs none). */
  tokenAllows(t: TokenRecord, anyOf: string[]): boolean {
    if (anyOf.length === 0) return true;
    if (t.permissionGroups === '*') return true;
    const granted = this.grantedGroups(t);
    return anyOf.some((g) => granted.has(g));
  }

  // --- the Direct Upload JWT -------------------------------------------------------------

  issueUploadJwt(project: ProjectRecord): string {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(this.now() / 1000);
    const payload = {
      accountId: LOCAL_ACCOUNT_ID,
      projectId: project.id,
      projectName: project.name,
      iat: now,
      exp: now + Math.floor(this.timing.uploadTokenTtlMs / 1000),
    };
    const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
    const sig = createHmac('sha256', this.jwtSecret).update(head).digest('base64url');
    return `${head}.${sig}`;
  }

  verifyUploadJwt(jwt: string): { projectName: string } {
    const parts = jwt.split('.');
    if (parts.length !== 3) throw Errors.pagesUploadUnauthorized();
    const [h, p, s] = parts as [string, string, string];
    const expected = createHmac('sha256', this.jwtSecret).update(`${h}.${p}`).digest();
    const given = Buffer.from(s, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw Errors.pagesUploadUnauthorized();
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as { projectName: string; exp: number };
    if (payload.exp * 1000 <= this.now()) throw Errors.pagesUploadUnauthorized();
    return { projectName: payload.projectName };
  }

  // --- defaults and lookups ---------------------------------------------------------------

  seedDefaults(): void {
    const d = this.store.data;
    if (!d.zones.some((z) => z.id === LOCAL_ZONE_ID)) {
      d.zones.push(makeZone(LOCAL_ZONE_ID, LOCAL_ZONE_NAME, this.isoNow()));
      this.persist();
    }
  }

  addZone(name: string, status: NonNullable<Zone['status']> = 'active', id = hexId()): Zone {
    const zone = makeZone(id, name, this.isoNow(), status);
    this.store.data.zones.push(zone);
    this.persist();
    return zone;
  }

  checkAccount(accountId: string | undefined): void {
    if (accountId === undefined) return;
    if (!/^[0-9a-f]{32}$/.test(accountId)) throw Errors.badIdentifier(`/accounts/${accountId}`);
    // Another (well-formed) account: the token has no access there.
    if (accountId !== LOCAL_ACCOUNT_ID) throw Errors.missingPermission();
  }

  zone(zoneId: string): Zone {
    if (!/^[0-9a-f]{32}$/.test(zoneId)) throw Errors.badIdentifier(`/zones/${zoneId}`);
    const z = this.store.data.zones.find((x) => x.id === zoneId);
    if (!z) throw Errors.zoneNotFound();
    return z;
  }

  project(name: string): ProjectRecord {
    const p = this.store.data.projects.find((x) => x.name === name);
    if (!p) throw Errors.pagesProjectNotFound();
    return p;
  }

  // --- scenarios --------------------------------------------------------------------------

  addBuildFailure(s: Omit<BuildFailureScenario, 'id'>): BuildFailureScenario {
    const rec = { ...s, id: `build-${++this.scenarioSeq}` };
    this.buildFailures.push(rec);
    return rec;
  }

  /** Consumes a matching build-failure scenario for a new deployment. */
  takeBuildFailure(project: string, branch: string): BuildFailureScenario | undefined {
    const hit = this.buildFailures.find((s) => (!s.project || s.project === project) && (!s.branch || s.branch === branch));
    if (!hit) return undefined;
    if (hit.count !== undefined) {
      hit.count--;
      if (hit.count <= 0) this.buildFailures = this.buildFailures.filter((s) => s !== hit);
    }
    return { ...hit };
  }

  addDomainScenario(s: Omit<DomainScenario, 'id'>): DomainScenario {
    const rec = { ...s, id: `domain-${++this.scenarioSeq}` };
    this.domainScenarios.push(rec);
    // Applies to domains already added too (a scenario says how a domain behaves from now on).
    let changed = false;
    for (const d of this.store.data.domains) {
      if (globMatches(rec.domain, d.name, { ignoreCase: true })) {
        d.scenario = rec.mode;
        changed = true;
      }
    }
    if (changed) this.persist();
    return rec;
  }

  domainScenarioFor(name: string): DomainScenario['mode'] | undefined {
    return [...this.domainScenarios].reverse().find((s) => globMatches(s.domain, name, { ignoreCase: true }))?.mode;
  }

  // --- runtime sync ----------------------------------------------------------------------

  /** Uploaded scripts plus one Worker per Pages deployment that carries a `_worker.js` (advanced-mode Functions). */
  runtimeScripts(): ScriptRecord[] {
    const pages: ScriptRecord[] = [];
    for (const d of this.store.data.deployments) {
      const code = d.specialFiles?.['_worker.js'];
      if (!code || d.failAt) continue;
      const project = this.store.data.projects.find((p) => p.name === d.project_name);
      const cfg = project?.deployment_configs[d.environment];
      pages.push({
        id: pagesFunctionName(d.id),
        created_on: d.created_on,
        modified_on: d.created_on,
        etag: d.id,
        main_module: '_worker.js',
        modules: [{ name: '_worker.js', type: 'esm', base64: code }],
        bindings: [{ type: 'pages_assets', name: 'ASSETS', deployment_id: d.id }],
        compatibility_date: cfg?.compatibility_date || '2025-01-01',
        compatibility_flags: cfg?.compatibility_flags ?? [],
        usage_model: 'standard',
      });
    }
    return [...this.store.data.scripts, ...pages];
  }

  async syncRuntime(): Promise<void> {
    await this.runtime.apply(
      this.store.data.kvNamespaces.map((n) => n.id),
      this.runtimeScripts(),
    );
  }

  async startRuntime(): Promise<void> {
    await this.runtime.start(
      this.store.data.kvNamespaces.map((n) => n.id),
      this.runtimeScripts(),
    );
  }

  userDetails() {
    return { id: LOCAL_USER_ID, email: LOCAL_USER_EMAIL, accountName: LOCAL_ACCOUNT_NAME };
  }
}

function makeZone(id: string, name: string, created: string, status: NonNullable<Zone['status']> = 'active'): Zone {
  return {
    id,
    name,
    status,
    paused: false,
    type: 'full',
    development_mode: 0,
    name_servers: ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'],
    original_name_servers: null,
    original_registrar: null,
    original_dnshost: null,
    created_on: created,
    modified_on: created,
    activated_on: status === 'active' ? created : null,
    meta: { step: 2, custom_certificate_quota: 0, page_rule_quota: 3, phishing_detected: false },
    owner: { id: LOCAL_USER_ID, type: 'user', name: LOCAL_USER_EMAIL },
    account: { id: LOCAL_ACCOUNT_ID, name: LOCAL_ACCOUNT_NAME },
    permissions: ['#dns_records:edit', '#dns_records:read', '#zone:read', '#worker:edit', '#worker:read'],
    plan: {
      id: '0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee',
      name: 'Free Website',
      price: 0,
      currency: 'USD',
      frequency: '',
      is_subscribed: false,
      can_subscribe: false,
      legacy_id: 'free',
      legacy_discount: false,
      externally_managed: false,
    },
  };
}
