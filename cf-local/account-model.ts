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
import { DEFAULT_TIMING, type BuildFailureScenario, type AccountModelOptions, type DomainScenario, type Timing, type TokenConfig } from './emulator-options.ts';
import { Errors } from './errors.ts';
import { globMatches } from './glob.ts';
import { hexId } from './http.ts';
import { Faults, Observations, RateLimiter } from './observe.ts';
import { expandGranted, permissionGroupCatalogue, type PermissionGroup } from './permissions.ts';
import { WorkerRuntime } from './runtime.ts';
import { Store, type ProjectRecord, type ScriptRecord, type StateData, type TokenRecord } from './state.ts';
import { UploadJwtSigner } from './upload-jwt.ts';
import { findZoneById, insertZone, makeZone } from './zones/model.ts';

/**
 * What the model needs of the certificate authority (certificate-authority.ts), named here so the
 * model does not import the authority that reads it.
 */
export interface DomainValidator {
  /** Forgets a domain's failed checks (validation retried through the API). */
  reset(domainId: string): void;
}

/** The Worker that runs a Pages deployment's `_worker.js`. */
export function pagesFunctionName(deploymentId: string): string {
  return `pages-fn-${deploymentId}`;
}

export { DEFAULT_TIMING };
export type { BuildFailureScenario, AccountModelOptions, DomainScenario, Timing, TokenConfig };

/** The emulator's state and rules, shared by the API server, the control API and the edge. */
export class AccountModel {
  readonly store: Store;
  readonly runtime: WorkerRuntime;
  readonly faults = new Faults();
  readonly observe = new Observations();
  /** Validates custom domains over HTTP through the edge; set once the edge exists (index.ts). */
  certificateAuthority?: DomainValidator;
  readonly rateLimiter: RateLimiter;
  timing: Timing;
  tokens: TokenRecord[] = [];
  buildFailures: BuildFailureScenario[] = [];
  domainScenarios: DomainScenario[] = [];
  permissionGroups: PermissionGroup[];
  private readonly uploadJwt = new UploadJwtSigner();
  /** More workerd units beside scripts and Pages Functions (Worker versions: workers/versions.ts, registered in index.ts). */
  readonly runtimeSources: Array<() => ScriptRecord[]> = [];
  private scenarioSeq = 0;

  constructor(readonly options: AccountModelOptions) {
    this.store = new Store(options.stateDir);
    this.timing = options.timing;
    this.rateLimiter = new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
    this.permissionGroups = permissionGroupCatalogue(options.schemaPermissionGroups ?? []);
    this.runtime = new WorkerRuntime({
      persistDir: options.stateDir ? `${options.stateDir}/miniflare` : undefined,
      outbound: options.outbound,
      ...(options.pagesAssets ? { pagesAssets: options.pagesAssets } : {}),
      ...(options.workerAssets ? { workerAssets: options.workerAssets } : {}),
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

  /** Keeps the default token's value on disk, so a restarted emulator accepts the same token. */
  rememberDefaultToken(value: string): void {
    this.store.data.defaultTokenValue = value;
    this.persist();
  }

  /** A copy of the whole state for tests and the control API, without the default token's secret. */
  stateSnapshot(): StateData {
    return structuredClone({ ...this.store.data, defaultTokenValue: undefined });
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
    return this.uploadJwt.issue(project, this.now(), this.timing.uploadTokenTtlMs);
  }

  verifyUploadJwt(jwt: string): { projectName: string } {
    return this.uploadJwt.verify(jwt, this.now());
  }

  // --- defaults and lookups ---------------------------------------------------------------

  seedDefaults(): void {
    if (!findZoneById(this.store, LOCAL_ZONE_ID)) insertZone(this.store, makeZone(LOCAL_ZONE_ID, LOCAL_ZONE_NAME, this.isoNow()));
  }

  addZone(name: string, status: NonNullable<Zone['status']> = 'active', id = hexId()): Zone {
    return insertZone(this.store, makeZone(id, name, this.isoNow(), status));
  }

  checkAccount(accountId: string | undefined): void {
    if (accountId === undefined) return;
    if (!/^[0-9a-f]{32}$/.test(accountId)) throw Errors.badIdentifier(`/accounts/${accountId}`);
    // Another (well-formed) account: the token has no access there.
    if (accountId !== LOCAL_ACCOUNT_ID) throw Errors.missingPermission();
  }

  zone(zoneId: string): Zone {
    if (!/^[0-9a-f]{32}$/.test(zoneId)) throw Errors.badIdentifier(`/zones/${zoneId}`);
    const z = findZoneById(this.store, zoneId);
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

  clearBuildFailures(): void {
    this.buildFailures = [];
  }

  /** Forgets the scenarios; domains already added keep the behaviour a scenario gave them. */
  clearDomainScenarios(): void {
    this.domainScenarios = [];
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
    return [...this.store.data.scripts, ...pages, ...this.runtimeSources.flatMap((f) => f())];
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
