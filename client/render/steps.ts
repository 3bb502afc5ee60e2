import type { DeployProgress, StepProgress, StepStatus } from '../../core/workflow-contracts.ts';

/** Renders a deploy's progress as the workflow reports it (`progress` query), until it ends. */
export interface ProgressRenderer {
  /** Called with every answer of the `progress` query (repeats are fine). */
  update(progress: DeployProgress): void;
  /** Stops timers and leaves the final picture on screen. */
  finish(): void;
}

/** One symbol per step status, shared by the TTY and plain output. */
export const STATUS_SYMBOL: Record<StepStatus, string> = {
  pending: '·',
  running: '…',
  succeeded: '✓',
  failed: '✗',
  skipped: '-',
  cancelled: '⊘',
  compensated: '↺',
  compensation_failed: '!',
};

/** `0.4s`, `12s`, `3m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 0) ms = 0;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** How long a step ran (or has been running, against `now`); undefined if it never started. */
export function stepElapsedMs(step: StepProgress, now: number): number | undefined {
  if (!step.startedAt) return undefined;
  const start = Date.parse(step.startedAt);
  const end = step.endedAt ? Date.parse(step.endedAt) : now;
  return Number.isFinite(start) && Number.isFinite(end) ? end - start : undefined;
}

/** The text after the step name: status, elapsed time, attempts, detail. */
export function describeStep(step: StepProgress, now: number): string {
  const parts: string[] = [step.status.replace('_', ' ')];
  const elapsed = stepElapsedMs(step, now);
  if (elapsed !== undefined) parts.push(formatDuration(elapsed));
  if (step.attempts > 1) parts.push(`attempt ${step.attempts}`);
  let text = parts.join('  ');
  if (step.detail) text += ` — ${step.detail}`;
  return text;
}

/** Width of the step-name column. */
export function nameWidth(steps: readonly StepProgress[]): number {
  return Math.max(10, ...steps.map((s) => s.name.length));
}
