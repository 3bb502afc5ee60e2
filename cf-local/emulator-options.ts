/** What a caller configures the emulator with: tokens, timing, scripted scenarios, and the account model's own options. */
import type { RateLimitConfig } from './observe.ts';
import type { OutboundHandler } from './runtime.ts';
import type { StageName } from './state.ts';

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

export interface AccountModelOptions {
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
  /** Static assets of a Worker version, for its `assets` binding. */
  workerAssets?: (versionId: string, request: Request) => Promise<Response> | Response;
}
