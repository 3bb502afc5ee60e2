import { describe, expect, it } from 'vitest';
import { redact, retryAfterMs } from './errors.ts';

describe('Retry-After', () => {
  const now = () => new Date('2026-11-25T12:00:00Z');
  it('reads seconds, an HTTP date and retry-after-ms; absent or garbage is undefined', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '7' }), now)).toBe(7000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Wed, 25 Nov 2026 12:00:30 GMT' }), now)).toBe(30_000);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});

describe('redact', () => {
  it('removes every occurrence of a secret, and leaves short strings alone', () => {
    expect(redact('token abcdefgh12345678 and abcdefgh12345678', ['abcdefgh12345678'])).toBe('token [redacted] and [redacted]');
    expect(redact('a b', ['a'])).toBe('a b');
  });
});
