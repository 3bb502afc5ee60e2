/** Contract scenarios that cut across operations: invalid tokens and the per-token rate limit. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMIT } from '../../constants.ts';
import { TOKENS, expectAnswer, type ContractEnv } from './env.ts';

export function limitsContract(env: () => ContractEnv): void {
  describe('invalid tokens and rate limits', () => {
    it('refuses an unknown token with 401 code 1000 on a read and a write alike, changing nothing', async () => {
      const { api, cf } = env();
      const before = cf.mutations().filter((m) => m.outcome === 'applied').length;
      expectAnswer(await api.call('GET', `/zones/${cf.zone.id}/dns_records`, { token: 'no-such-token' }), 401, 1000);
      expectAnswer(await api.call('POST', `/accounts/${cf.accountId}/storage/kv/namespaces`, { token: TOKENS.disabled, json: { title: 'x' } }), 401, 1000);
      expect(cf.mutations().filter((m) => m.outcome === 'applied').length).toBe(before);
    });

    it('answers 429 code 971 with Retry-After once a token spends its budget, on any operation', async () => {
      const { api, cf } = env();
      cf.setRateLimit({ requests: 3, windowMs: 60_000 });
      try {
        for (let i = 0; i < 3; i++) expectAnswer(await api.call('GET', '/user/tokens/verify', { token: TOKENS.throttled }), 200);
        const limited = await api.call('GET', `/zones/${cf.zone.id}/dns_records`, { token: TOKENS.throttled });
        expectAnswer(limited, 429, 971);
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
        expectAnswer(await api.call('POST', `/zones/${cf.zone.id}/dns_records`, {
          token: TOKENS.throttled,
          json: { type: 'A', name: `rl.${cf.zone.name}`, content: '198.51.100.4', ttl: 1 },
        }), 429, 971);
      } finally {
        cf.setRateLimit({ ...DEFAULT_RATE_LIMIT });
      }
    });
  });
}
