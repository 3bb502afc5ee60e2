// Replays histories of real deploys (recorded by scripts/record-histories.ts) against the current
// workflow code: a change that would break deploys already running fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const DURATION = /^-?\d+(\.\d+)?s$/;

/**
 * Proto-JSON (as `temporal workflow show --output json` writes it) to the History proto. The
 * SDK's own historyFromJSON fails in this install (@temporalio/common's nested protobufjs 8 does
 * not recognise @temporalio/proto's protobufjs 7 types), so timestamps and durations are turned
 * into {seconds, nanos} here and the generated `fromObject` does the rest (enum names, int64
 * strings, base64 bytes).
 */
function historyFromProtoJson(json: unknown): temporal.api.history.v1.History {
  const convert = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(convert);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v)]));
    if (typeof value === 'string' && TIMESTAMP.test(value)) {
      const ms = Date.parse(value);
      const fraction = /\.(\d+)Z$/.exec(value)?.[1] ?? '';
      return { seconds: String(Math.floor(ms / 1000)), nanos: Number(fraction.padEnd(9, '0').slice(0, 9)) };
    }
    if (typeof value === 'string' && DURATION.test(value)) {
      const [whole, frac = ''] = value.slice(0, -1).split('.');
      return { seconds: whole, nanos: Number(frac.padEnd(9, '0').slice(0, 9)) };
    }
    return value;
  };
  return temporal.api.history.v1.History.fromObject(convert(json) as Record<string, unknown>);
}

const fixtures = fileURLToPath(new URL('./__fixtures__/', import.meta.url));
const workflowsPath = fileURLToPath(new URL('./index.ts', import.meta.url));
const files = readdirSync(fixtures).filter((f) => f.endsWith('.json')).sort();

describe('recorded deploy histories', () => {
  it('cover live, baked, failed checks, rollback signal, cancellation and manual rollback, in every recorded generation', () => {
    // <scenario>.json is the first recording; <scenario>.<tag>.json a later one (record-histories --suffix).
    const generations = new Map<string, string[]>();
    for (const f of files) {
      const [scenario, ...tag] = f.replace(/\.json$/, '').split('.');
      const key = tag.join('.') || 'first';
      generations.set(key, [...(generations.get(key) ?? []), scenario!]);
    }
    expect(generations.has('first')).toBe(true);
    for (const scenarios of generations.values()) {
      expect(scenarios.sort()).toEqual(['deploy-cancelled', 'deploy-checks-failed', 'deploy-live', 'deploy-live-with-bake', 'deploy-rollback-signal', 'rollback-manual']);
    }
  });

  it('replay without non-determinism errors', async () => {
    const histories = files.map((f) => ({ workflowId: f.replace(/\.json$/, ''), history: historyFromProtoJson(JSON.parse(readFileSync(fixtures + f, 'utf8'))) }));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowsPath, replayName: 'nextdeploy-replay' }, histories)) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(files.length);
  });
});
