import type { DeployProgress } from '../../core/workflow-contracts.ts';
import type { OutStream } from '../io.ts';
import { describeStep, nameWidth, STATUS_SYMBOL, type ProgressRenderer } from './steps.ts';

/**
 * Output for logs (CI, pipes): one line per change of a step's status, attempt count or detail,
 * and of the overall status; nothing is redrawn, so every line stays true once written.
 */
export function createPlainRenderer(stream: OutStream, options: { now?: () => number } = {}): ProgressRenderer {
  const now = options.now ?? Date.now;
  const seen = new Map<string, string>();
  let lastStatus: string | undefined;
  let compensationsSeen = 0;
  return {
    update(progress: DeployProgress) {
      if (progress.status !== lastStatus) {
        if (lastStatus !== undefined) stream.write(`${progress.app} ${progress.version}: ${progress.status.replace('_', ' ')}\n`);
        lastStatus = progress.status;
      }
      const width = nameWidth(progress.steps);
      for (const step of progress.steps) {
        if (step.status === 'pending') continue;
        // The elapsed time changes every poll; only what a reader acts on makes a new line.
        const key = `${step.status}\0${step.attempts}\0${step.detail ?? ''}`;
        if (seen.get(step.name) === key) continue;
        seen.set(step.name, key);
        stream.write(`${STATUS_SYMBOL[step.status]} ${step.name.padEnd(width)} ${describeStep(step, now())}\n`);
      }
      for (const compensation of progress.compensations.slice(compensationsSeen)) {
        stream.write(`↺ undo ${compensation.name}: ${compensation.status}${compensation.detail ? ` — ${compensation.detail}` : ''}\n`);
      }
      compensationsSeen = progress.compensations.length;
    },
    finish() {},
  };
}
