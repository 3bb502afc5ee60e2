import { describe, expect, it } from 'vitest';
import { CallBudget, DEFAULT_CALL_BUDGET } from './call-budget.ts';

describe('CallBudget', () => {
  it('keeps the default under Cloudflare\'s 1,200 calls per 5 minutes', () => {
    expect(new CallBudget(DEFAULT_CALL_BUDGET).maxCallsIn(300_000)).toBeLessThanOrEqual(1_200);
  });

  it('lets the burst through at once, then paces calls at the refill rate, in arrival order', async () => {
    const budget = new CallBudget({ perSecond: 50, burst: 3 });
    const start = performance.now();
    const order: number[] = [];
    await Promise.all(Array.from({ length: 8 }, (_, i) => budget.acquire().then(() => order.push(i))));
    const elapsed = performance.now() - start;
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // 3 immediately, 5 more at 50/s: at least ~100 ms.
    expect(elapsed).toBeGreaterThanOrEqual(90);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('refuses a budget that could never admit a call', () => {
    expect(() => new CallBudget({ perSecond: 0, burst: 1 })).toThrow(/perSecond/);
  });
});
