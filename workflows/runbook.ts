import type { DeployStatus } from '../core/workflow-contracts.ts';
import type { ProgressTracker } from './progress.ts';
import type { Saga } from './saga.ts';

/** A compensation a step registers: `name` is what the progress query and the result show. */
export interface Compensation {
  name: string;
  run: () => Promise<void>;
}

/**
 * One runbook step as data. The driver (`runSteps`) owns the progress line, the skip marking,
 * the between-steps stop check and the saga registrations, so a step only says what it does.
 */
export interface RunbookStep<T = unknown> {
  name: string;
  /** Whether the step applies: `true`, or the detail its skipped progress line shows. */
  when?: () => true | string;
  /** The deploy's status while the step runs (the bake is `baking`). */
  status?: DeployStatus;
  /**
   * Compensations registered before the step runs: its effect is uncertain once it starts (a
   * call that timed out may still have landed). Evaluated at the step's turn, so a patched()
   * branch that decides them stays inside its step.
   */
  undoFirst?: () => Compensation[];
  run: () => Promise<T>;
  /** The step's detail line once it succeeded. */
  describe?: (result: T) => string | null;
  /** What later steps learn from this one (run before `undoAfter`). */
  then?: (result: T) => void;
  /** Compensations registered only once the step succeeded (a failure wrote nothing to undo). */
  undoAfter?: () => Compensation[];
  /**
   * `false` when the next step starts without the rollback/cancel check: after the flip the
   * checks run at once, and a rollback signal interrupts them instead.
   */
  stopCheckAfter?: boolean;
}

/** Types one step by its own result, for a list of steps with different results. */
export function step<T>(definition: RunbookStep<T>): RunbookStep {
  return definition as RunbookStep;
}

/** What the driver needs from the workflow around it. */
export interface RunbookContext {
  progress: ProgressTracker;
  saga: Saga;
  /** Which step each compensation undoes, for the progress query. */
  undoes: Record<string, string>;
  /** Throws when a rollback signal or a cancellation arrived while the last step finished. */
  stopIfRequested: () => void;
}

/** Runs the steps in order; between two steps, a rollback or cancellation stops the run. */
export async function runSteps(context: RunbookContext, steps: readonly RunbookStep[]): Promise<void> {
  const { progress, saga, undoes } = context;
  const register = (stepName: string, compensations: Compensation[] | undefined) => {
    for (const c of compensations ?? []) {
      undoes[c.name] = stepName;
      saga.add(c.name, c.run);
    }
  };
  for (const [index, s] of steps.entries()) {
    if (index > 0 && steps[index - 1]!.stopCheckAfter !== false) context.stopIfRequested();
    const applies = s.when ? s.when() : true;
    if (applies !== true) {
      progress.markSkipped(s.name, applies);
      continue;
    }
    register(s.name, s.undoFirst?.());
    if (s.status) progress.setStatus(s.status);
    const result = await progress.run(s.name, s.run, s.describe);
    s.then?.(result);
    register(s.name, s.undoAfter?.());
  }
}
