/**
 * The running emulator's surface, as startLocalCloudflare (index.ts) returns it and the control
 * API (control.ts) drives it; a module of its own so the two do not import each other.
 */
import type http from 'node:http';
import type { AccountModel } from './account-model.ts';
import type { BuildFailureScenario, DomainScenario, Timing, TokenConfig } from './emulator-options.ts';
import type { FaultRule, FaultSpec, MutationEntry, RateLimitConfig, RequestEntry } from './observe.ts';
import type { StateData, TokenRecord } from './state.ts';
import type { WorkerDeployment } from './workers/deploy-local.ts';

/** How to start the emulator: ports, persistence, tokens, timing, rate limit and seed data. */
export interface LocalCloudflareOptions {
  /** API server port (default: a free one). */
  apiPort?: number;
  /** Edge server port (default: a free one). */
  edgePort?: number;
  /** Persist state here (state.json, assets/, miniflare/); omitted = in memory only. */
  stateDir?: string;
  /** Value of the default all-permission token (default: `CF_LOCAL_TOKEN`, else the persisted one, else random). */
  token?: string;
  /** More tokens, with their permission groups (e.g. `['Pages Write', 'Zone Read']`), or marked disabled/expired. */
  tokens?: TokenConfig[];
  timing?: Partial<Timing>;
  /** Per-token rate limit (default: the real API's 1200 requests / 5 minutes). */
  rateLimit?: RateLimitConfig;
  /** Things that exist from the start (created if missing). */
  seed?: {
    projects?: Array<{ name: string; production_branch?: string; git?: boolean }>;
    kvNamespaces?: Array<{ title: string; id?: string }>;
    zones?: Array<{ name: string; id?: string; status?: 'initializing' | 'pending' | 'active' | 'moved' }>;
  };
  /** Use cf-local/openapi/ for permissions and validation when present (default: when present). */
  openapi?: boolean;
}

/** A running emulator: its URLs and credentials, the model, and the test harness's levers. */
export interface LocalCloudflare {
  /** `http://127.0.0.1:<port>/client/v4` — the SDK's `baseURL`, wrangler's `CLOUDFLARE_API_BASE_URL`. */
  apiBaseUrl: string;
  /** `http://127.0.0.1:<edgePort>` — send the site's hostname in the Host header. */
  edgeUrl: string;
  /** `http://127.0.0.1:<port>/__cf-local` */
  controlUrl: string;
  accountId: string;
  zone: { id: string; name: string };
  /** The default token (every permission group). */
  token: string;
  stateDir: string | undefined;
  /** The account model (tests read its runtime, clock and request log; the name predates AccountModel). */
  core: AccountModel;
  faults: AccountModel['faults'];
  info(): Record<string, unknown>;
  /** The mutation log: every state-changing API call with its outcome. */
  mutations(): MutationEntry[];
  clearMutations(): void;
  /**
   * The request log: every API request answered, with its body's size, oldest first; only those
   * after `afterSeq` when given (the log keeps the last 5,000, so callers mark a point by `seq`).
   */
  requests(afterSeq?: number): RequestEntry[];
  addFault(spec: FaultSpec): FaultRule;
  failBuilds(spec: Omit<BuildFailureScenario, 'id'>): BuildFailureScenario;
  domainScenario(spec: Omit<DomainScenario, 'id'>): DomainScenario;
  addToken(t: TokenConfig): TokenRecord;
  setRateLimit(cfg: RateLimitConfig): void;
  /** API requests that presented this token (default token when omitted). */
  requestCount(tokenValue?: string): number;
  state(): StateData;
  /** Forget all state (zones/token defaults come back), faults, scenarios, logs and counters. */
  reset(): Promise<void>;
  deployWorker(w: WorkerDeployment): Promise<{ name: string; routes: string[] }>;
  /** Request a site at the edge by hostname (sets the Host header, which fetch() cannot). */
  edgeRequest(host: string, pathname?: string, init?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<EdgeResponse>;
  stop(): Promise<void>;
}

/** What the edge answered to `edgeRequest`. */
export interface EdgeResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}
