/**
 * Measuring helpers of the deploy benchmark (bench/deploy.ts): API request tallies taken inside
 * the emulator, worker memory from /proc, history event counts, and judging a deploy correct.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { WorkflowHandle } from '@temporalio/client';
import type { LocalCloudflare } from '../cf-local/index.ts';
import { deployFacts } from '../faults/deploys.ts';
import type { FaultStack } from '../faults/harness.ts';

/**
 * Is this request a poll (the build or the custom domain not ready yet)? Those are excluded from
 * "calls outside polling". Preflight also reads the domain, but for a fresh app that read is a
 * 404, while the domain poll reads a domain that exists.
 */
export function isPoll(t: Pick<Tally, 'operation' | 'status'>): boolean {
  return t.operation === 'pages.projects.deployments.get' || (t.operation === 'pages.projects.domains.get' && t.status !== 404);
}

/** Requests per operation, most first, as `n × operation`. */
export function byOperation(entries: Tally[], perDeploy = 1): string {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.operation, (counts.get(e.operation) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([op, n]) => `${+(n / perDeploy).toFixed(1)} × ${op}`).join(', ');
}

/** One API request as the emulator answered it. */
export interface Tally {
  at: number;
  operation: string;
  status: number;
}

/**
 * Records every API request the emulator answers (its own log keeps only the last 5,000). The
 * emulator runs in this process, so its request log hook can be wrapped here.
 */
export function tallyRequests(cf: LocalCloudflare): { entries: Tally[]; reset(): void } {
  const entries: Tally[] = [];
  const observe = cf.core.observe;
  const original = observe.logRequest.bind(observe);
  observe.logRequest = (e) => {
    entries.push({ at: Date.now(), operation: e.operation ?? `${e.method} ${e.path}`, status: e.status });
    original(e);
  };
  return { entries, reset: () => void entries.splice(0) };
}

/** The most requests inside any window of `windowMs` (sliding). */
export function maxInWindow(entries: Tally[], windowMs: number): number {
  const times = entries.map((e) => e.at).sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while (times[hi]! - times[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/** Peak and current resident memory of a process, in MiB (Linux /proc). */
export function memoryMiB(pid: number): { peak: number; now: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peak: kib('VmHWM') / 1024, now: kib('VmRSS') / 1024 };
}

/** Events in a workflow's history and the attempts of its build poll. */
export async function historyFacts(handle: WorkflowHandle): Promise<{ events: number; buildPollAttempts: number }> {
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  const scheduled = new Map<string, string>();
  let attempts = 0;
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), s.activityType?.name ?? '');
    const started = e.activityTaskStartedEventAttributes;
    if (started && scheduled.get(String(started.scheduledEventId)) === 'awaitDeployment') attempts = Math.max(attempts, started.attempt ?? 0);
  }
  return { events: events.length, buildPollAttempts: attempts };
}

/** True when the app is live at `version` with exactly one deployment, one DNS record and one versions entry. */
export async function deployedCorrectly(stack: FaultStack, app: string, version: string, project?: string): Promise<boolean> {
  const f = await deployFacts(stack, app, project);
  return (
    f.deploymentsOf(version).length === 1 &&
    f.dnsRecords.length === 1 &&
    f.domains.length === 1 &&
    f.active?.version === version &&
    (f.versions ?? []).filter((v) => v.version === version && v.state === 'live').length === 1
  );
}

/** Median of numbers. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A markdown table. */
export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** CPU seconds (user + system) a process has used so far (Linux /proc; 0 when it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime is the 14th field, stime the 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Child processes of `parent` whose command name is `name` (the emulator's workerd). */
export function childPids(parent: number, name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && comm === name) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
