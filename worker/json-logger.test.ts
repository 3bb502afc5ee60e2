import { describe, expect, it } from 'vitest';
import { JsonLogger } from './json-logger.ts';

function capture() {
  const lines: string[] = [];
  return { lines, sink: { write: (line: string) => lines.push(line) } };
}

describe('JsonLogger', () => {
  it('writes one JSON object per line with time, level, message and metadata', () => {
    const { lines, sink } = capture();
    new JsonLogger({ sink }).info('step transition', { app: 'app123', step: 'trigger', status: 'completed', attempt: 1, durationMs: 42 });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ level: 'INFO', message: 'step transition', app: 'app123', step: 'trigger', status: 'completed', attempt: 1, durationMs: 42 });
    expect(Number.isNaN(Date.parse(entry.time))).toBe(false);
  });

  it('drops lines below the configured level', () => {
    const { lines, sink } = capture();
    const logger = new JsonLogger({ sink, level: 'WARN' });
    logger.info('quiet');
    logger.error('loud');
    expect(lines.map((l) => JSON.parse(l).message)).toEqual(['loud']);
  });

  it('redacts secrets anywhere in the line, errors included', () => {
    const { lines, sink } = capture();
    const token = 'tok_0123456789abcdef';
    new JsonLogger({ sink, secrets: [token, undefined] }).error(`failed with ${token}`, { error: new Error(`bearer ${token}`), nested: { h: token } });
    expect(lines[0]).not.toContain(token);
    expect(lines[0]!.match(/\[redacted\]/g)).toHaveLength(3);
  });
});
