import { afterEach, describe, expect, it, vi } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { heartbeat, HEARTBEAT_GRACE_MS } from './context.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('activity heartbeats', () => {
  it('are not sent during the first seconds of an activity (each is a server write), then are', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const env = new MockActivityEnvironment();
    const sent: unknown[] = [];
    env.on('heartbeat', (d: unknown) => sent.push(d));
    await env.run(async () => {
      heartbeat({ n: 1 });
      vi.advanceTimersByTime(HEARTBEAT_GRACE_MS - 1);
      heartbeat({ n: 2 });
      expect(sent).toEqual([]);
      vi.advanceTimersByTime(1);
      heartbeat({ n: 3 });
    });
    expect(sent).toEqual([{ n: 3 }]);
  });

  it('are a no-op outside an activity', () => {
    expect(() => heartbeat({ n: 1 })).not.toThrow();
  });
});
