import { describe, expect, it } from 'vitest';
import type { DeployProgress, StepProgress } from '../../core/workflow-contracts.ts';
import type { OutStream } from '../io.ts';
import { createPlainRenderer } from './plain.ts';
import { formatDuration } from './steps.ts';
import { createTtyRenderer } from './tty.ts';

function fakeStream(isTTY: boolean): OutStream & { chunks: string[] } {
  const chunks: string[] = [];
  return { isTTY, columns: 80, chunks, write: (c: string) => chunks.push(c) };
}

const T0 = Date.parse('2026-11-25T12:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const step = (name: string, over: Partial<StepProgress> = {}): StepProgress => ({
  name, status: 'pending', startedAt: null, endedAt: null, attempts: 0, detail: null, ...over,
});
const progress = (steps: StepProgress[], over: Partial<DeployProgress> = {}): DeployProgress => ({
  app: 'app123', version: 'v1', status: 'running', currentStep: null, steps, compensations: [], ...over,
});

describe('plain progress output (CI logs)', () => {
  it('writes one line per change of status, attempts or detail, never for the clock alone', () => {
    const out = fakeStream(false);
    let now = T0 + 1_000;
    const renderer = createPlainRenderer(out, { now: () => now });
    const running = progress([step('preflight', { status: 'running', startedAt: at(0), attempts: 1 }), step('trigger')]);
    renderer.update(running);
    now += 5_000;
    renderer.update(running);
    renderer.update(progress([
      step('preflight', { status: 'succeeded', startedAt: at(0), endedAt: at(0.4), attempts: 1 }),
      step('trigger', { status: 'running', startedAt: at(0.4), attempts: 2, detail: 'rate limited' }),
    ]));
    renderer.update(progress([
      step('preflight', { status: 'succeeded', startedAt: at(0), endedAt: at(0.4), attempts: 1 }),
      step('trigger', { status: 'failed', startedAt: at(0.4), endedAt: at(9), attempts: 3, detail: 'BUILD_FAILED' }),
    ], { status: 'compensating', compensations: [{ name: 'dns', status: 'succeeded', detail: null }] }));
    renderer.finish();
    expect(out.chunks.join('')).toBe([
      '… preflight  running  1.0s',
      '✓ preflight  succeeded  0.4s',
      '… trigger    running  5.6s  attempt 2 — rate limited',
      'app123 v1: compensating',
      '✗ trigger    failed  8.6s  attempt 3 — BUILD_FAILED',
      '↺ undo dns: succeeded',
      '',
    ].join('\n'));
    expect(out.chunks.join('')).not.toMatch(/\u001b/);
  });
});

describe('TTY progress output', () => {
  it('redraws the step list in place with a spinner on the running step and shows the cursor again at the end', async () => {
    const out = fakeStream(true);
    const renderer = createTtyRenderer(out, { now: () => T0 + 2_500, tickMs: 5 });
    renderer.update(progress([
      step('preflight', { status: 'succeeded', startedAt: at(0), endedAt: at(0.4), attempts: 1 }),
      step('build', { status: 'running', startedAt: at(1), attempts: 3, detail: 'stage build' }),
      step('dns'),
    ]));
    await new Promise((r) => setTimeout(r, 30));
    renderer.finish();
    const text = out.chunks.join('');
    expect(text.startsWith('\u001b[?25l')).toBe(true);
    expect(text.endsWith('\u001b[?25h')).toBe(true);
    // Every redraw after the first moves the cursor up over the 4 lines it drew.
    expect(out.chunks.length).toBeGreaterThan(3);
    expect(out.chunks.slice(1, -1).every((c) => c.startsWith('\u001b[4A'))).toBe(true);
    const frames = new Set(out.chunks.map((c) => /([⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]) build/.exec(c)?.[1]).filter(Boolean));
    expect(frames.size).toBeGreaterThan(1);
    expect(text).toContain('✓ preflight  succeeded  0.4s');
    expect(text).toContain(' build      running  1.5s  attempt 3 — stage build');
    expect(text).toMatch(/· dns\r?\n/);
  });
});

describe('formatDuration', () => {
  it.each([[400, '0.4s'], [9_949, '9.9s'], [12_300, '12s'], [185_000, '3m05s']])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
