/**
 * A token bucket for Cloudflare API calls. Temporal's activity rate limits count activities, but
 * one activity makes one to six calls, so the budget Cloudflare enforces (1,200 calls per 5
 * minutes per token) is kept here, per call, in front of the SDK's fetch.
 */
export class CallBudget {
  readonly #perSecond: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #updatedAt: number;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: { perSecond: number; burst: number; now?: () => number }) {
    if (!(options.perSecond > 0) || !(options.burst >= 1)) throw new Error('CallBudget needs perSecond > 0 and burst >= 1');
    this.#perSecond = options.perSecond;
    this.#burst = options.burst;
    this.#now = options.now ?? (() => performance.now());
    this.#tokens = options.burst;
    this.#updatedAt = this.#now();
  }

  /** The most calls any window of `windowMs` can see: the burst plus the refill. */
  maxCallsIn(windowMs: number): number {
    return Math.floor(this.#burst + (this.#perSecond * windowMs) / 1000);
  }

  /** Resolves when one call may go out; callers are served in arrival order. */
  acquire(): Promise<void> {
    const turn = this.#queue.then(() => this.#take());
    this.#queue = turn;
    return turn;
  }

  async #take(): Promise<void> {
    for (;;) {
      const now = this.#now();
      this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#updatedAt) / 1000) * this.#perSecond);
      this.#updatedAt = now;
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.ceil(((1 - this.#tokens) / this.#perSecond) * 1000)));
    }
  }
}

/**
 * Defaults for one worker holding the token alone: 3.6 calls/s with a burst of 60 allows at most
 * 1,140 calls in any 5 minutes, under Cloudflare's 1,200, and one deploy (about 35 calls) is
 * never held back. N workers sharing a token: divide both by N.
 */
export const DEFAULT_CALL_BUDGET = { perSecond: 3.6, burst: 60 } as const;
