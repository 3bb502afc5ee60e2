/** Faults, rate limiting, the mutation log and request counters: what tests script and observe. */
import { globToRegExp } from './glob.ts';

export interface FaultSpec {
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Path template (`/zones/{zone_id}/dns_records`), concrete path, or glob with `*`; below /client/v4. */
  path?: string;
  /** Operation name (`dns.records.create`) or the OpenAPI operationId. */
  operation?: string;
  /**
   * Only requests whose raw body contains this text: a bulk call names its keys in the body,
   * not the path (`"app123:active"` picks out one app's flip among many KV bulk writes).
   */
  bodyIncludes?: string;
  /** Answer with this status (and a Cloudflare error envelope). */
  status?: number;
  code?: number;
  message?: string;
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number;
  /** Fire this many times, then disappear (default: until removed). */
  count?: number;
  /** Fire with this probability (0..1) per matching request. */
  rate?: number;
  /** Delay before answering (alone: a slow but otherwise normal answer). */
  latencyMs?: number;
  /** Destroy the connection without an answer. */
  reset?: boolean;
  /** Never answer (until the emulator stops). */
  hang?: boolean;
}

export interface FaultRule extends FaultSpec {
  id: string;
  fired: number;
}

export interface RequestFacts {
  method: string;
  path: string;
  template?: string;
  operation?: string;
  operationId?: string;
  /** The raw request body as text, read only when a rule has `bodyIncludes`. */
  body?: () => string;
}

export class Faults {
  private rules: FaultRule[] = [];
  private seq = 0;

  add(spec: FaultSpec): FaultRule {
    const rule: FaultRule = { ...spec, id: `fault-${++this.seq}`, fired: 0 };
    this.rules.push(rule);
    return rule;
  }

  remove(id: string): boolean {
    const n = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== n;
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** The first rule matching this request that decides to fire (counts are consumed here). */
  take(req: RequestFacts): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.method && rule.method.toUpperCase() !== req.method) continue;
      if (rule.operation && rule.operation !== req.operation && rule.operation !== req.operationId) continue;
      if (rule.path) {
        const p = rule.path.startsWith('/client/v4') ? rule.path.slice('/client/v4'.length) : rule.path;
        const hit = p === req.template || p === req.path || (p.includes('*') && globToRegExp(p).test(req.path));
        if (!hit) continue;
      }
      if (rule.bodyIncludes !== undefined && !(req.body?.() ?? '').includes(rule.bodyIncludes)) continue;
      if (rule.rate !== undefined && Math.random() >= rule.rate) continue;
      rule.fired++;
      if (rule.count !== undefined && rule.fired >= rule.count) this.remove(rule.id);
      return { ...rule };
    }
    return undefined;
  }
}

export interface RateLimitConfig {
  requests: number;
  windowMs: number;
}

/** Per-token fixed window, as the API's "1200 requests per 5 minutes" behaves from a client's point of view. */
export class RateLimiter {
  private windows = new Map<string, { start: number; count: number }>();
  constructor(public config: RateLimitConfig) {}

  hit(key: string, now: number): { allowed: boolean; remaining: number; resetSec: number; headers: Record<string, string> } {
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.config.windowMs) {
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    const resetSec = Math.max(1, Math.ceil((w.start + this.config.windowMs - now) / 1000));
    const allowed = w.count < this.config.requests;
    if (allowed) w.count++;
    const remaining = Math.max(0, this.config.requests - w.count);
    // Header format: developers.cloudflare.com/fundamentals/api/reference/limits (IETF draft RateLimit headers).
    const headers: Record<string, string> = {
      ratelimit: `"default";r=${remaining};t=${resetSec}`,
      'ratelimit-policy': `"default";q=${this.config.requests};w=${Math.ceil(this.config.windowMs / 1000)}`,
    };
    if (!allowed) headers['retry-after'] = String(resetSec);
    return { allowed, remaining, resetSec, headers };
  }

  reset(): void {
    this.windows.clear();
  }
}

export interface MutationEntry {
  seq: number;
  time: string;
  method: string;
  path: string;
  operation: string;
  status: number;
  /** 'applied': state changed; 'rejected': an error answer, nothing changed; 'fault': a scripted fault, nothing changed. */
  outcome: 'applied' | 'rejected' | 'fault';
  errorCode?: number;
  token?: string;
}

export interface RequestEntry {
  seq: number;
  time: string;
  method: string;
  path: string;
  operation?: string;
  status: number;
  token?: string;
  /** Bytes of the request body as received, before any parsing (what a client sent; headers aside). */
  requestBytes: number;
}

export class Observations {
  mutations: MutationEntry[] = [];
  requests: RequestEntry[] = [];
  /** token name → number of API requests that presented it. */
  perToken = new Map<string, number>();
  private seq = 0;
  private rseq = 0;

  logMutation(e: Omit<MutationEntry, 'seq' | 'time'>): void {
    this.mutations.push({ seq: ++this.seq, time: new Date().toISOString(), ...e });
  }

  logRequest(e: Omit<RequestEntry, 'seq' | 'time'>): void {
    this.requests.push({ seq: ++this.rseq, time: new Date().toISOString(), ...e });
    if (this.requests.length > 5000) this.requests.splice(0, this.requests.length - 5000);
  }

  countToken(name: string): void {
    this.perToken.set(name, (this.perToken.get(name) ?? 0) + 1);
  }

  clearMutations(): void {
    this.mutations = [];
  }

  clear(): void {
    this.mutations = [];
    this.requests = [];
    this.perToken.clear();
  }
}
