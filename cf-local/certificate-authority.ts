/**
 * The local Cloudflare's certificate authority: a Pages custom domain becomes active only once
 * an HTTP validation request for it, sent through the edge like any visitor's (so a Worker route
 * on the hostname sees it first), gets the domain's token back. A router that swallows
 * `/.well-known/acme-challenge/*` therefore leaves the domain pending, as it would on Cloudflare.
 */
import type { AccountModel } from './account-model.ts';
import type { DomainRecord } from './state.ts';
import { isAttached, listDomains, projectDomains } from './pages/domain-records.ts';

/** Where a certificate authority fetches its HTTP validation token. */
export const ACME_CHALLENGE_PREFIX = '/.well-known/acme-challenge/';

/** How often the authority looks for domains due a check. */
const TICK_MS = 50;

/** Has the domain a token the authority has not fetched yet? Records from before tokens do not. */
export function validationPending(d: DomainRecord): boolean {
  return d.acme_token !== undefined && d.validatedAtMs === undefined;
}

/** May the authority check the domain now (its activation delay passed, not a failure scenario)? */
function dueForCheck(d: DomainRecord, now: number): boolean {
  return d.scenario === 'normal' && validationPending(d) && now >= d.createdAtMs + d.activationMs;
}

/** The pause after a failed check: a quarter of the activation delay, within 100 ms – 2 s. */
function retryMs(d: DomainRecord): number {
  return Math.min(2_000, Math.max(100, Math.floor(d.activationMs / 4)));
}

/**
 * Pages' answer on the validation path, on every host of `project` (its pages.dev names and its
 * custom domains): the token when a pending domain of the project has it, else 404.
 */
export function acmeAnswer(account: AccountModel, project: string, pathname: string): Response {
  const token = pathname.slice(ACME_CHALLENGE_PREFIX.length);
  const d = projectDomains(account, project).find((x) => x.acme_token === token && validationPending(x));
  const headers = { 'content-type': 'text/plain; charset=utf-8', server: 'cloudflare', 'cache-control': 'no-store' };
  return d ? new Response(token, { status: 200, headers }) : new Response('not found\n', { status: 404, headers });
}

export class CertificateAuthority {
  private timer: NodeJS.Timeout | undefined;
  private readonly checking = new Set<string>();
  private readonly nextCheckAt = new Map<string, number>();

  constructor(
    private readonly account: AccountModel,
    /** The edge, entered as a visitor would (Worker routes first). */
    private readonly edge: (request: Request) => Promise<Response | undefined>,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Forgets a domain's failed checks (validation retried through the API). */
  reset(domainId: string): void {
    this.nextCheckAt.delete(domainId);
  }

  private tick(): void {
    const now = this.account.now();
    for (const d of listDomains(this.account)) {
      if (!dueForCheck(d, now) || this.checking.has(d.id) || (this.nextCheckAt.get(d.id) ?? 0) > now) continue;
      this.checking.add(d.id);
      void this.check(d).finally(() => this.checking.delete(d.id));
    }
  }

  private async check(d: DomainRecord): Promise<void> {
    const url = `http://${d.name}${ACME_CHALLENGE_PREFIX}${d.acme_token}`;
    let problem: string | undefined;
    try {
      const res = await this.edge(new Request(url, { headers: { 'user-agent': 'cf-local certificate authority' } }));
      const body = res ? (await res.text()).trim() : '';
      if (!res) problem = `no site answers ${d.name}`;
      else if (res.status !== 200 || body !== d.acme_token) problem = `GET ${url} answered ${res.status}${res.status === 200 ? ' without the token' : ''}`;
    } catch (err) {
      problem = `GET ${url} failed: ${err instanceof Error ? err.message : String(err)}`;
    }
    // Detached or retried while the request was out: this answer is about a domain that is gone.
    if (!isAttached(this.account, d) || d.validatedAtMs !== undefined) return;
    if (problem === undefined) {
      d.validatedAtMs = this.account.now();
      delete d.validation_error;
      this.nextCheckAt.delete(d.id);
    } else {
      d.validation_error = `HTTP validation: ${problem}`;
      this.nextCheckAt.set(d.id, this.account.now() + retryMs(d));
    }
    this.account.persist();
  }
}
