import type { DeployStatus } from '../core/workflow-contracts.ts';
import type { ProgressTracker } from './progress.ts';
import type { Saga } from './saga.ts';

/**
 * A compensation a step registers: `name` is what the progress query and the result show; `run`
 * reads the run's state when the saga calls it, not when it is registered.
 */
export interface Compensation<R> {
  name: string;
  run(run: R): Promise<void>;
}

/**
 * One runbook step as data, over the state `R` of one run. The driver ({@link runSteps}) owns
 * the progress line, the skip marking, the between-steps stop check and the saga registrations,
 * so a step only says what it does. Callbacks are methods so a list can hold steps of different
 * results. `when` sees only `P`, the part of the run fixed before it starts (R extends it), so
 * which steps a run takes can be told from its input alone.
 */
export interface RunbookStep<R, N extends string = string, T = unknown, P = R> {
  name: N;
  /** Whether the step applies: `true`, or the detail its skipped progress line shows. */
  when?(plan: P): true | string;
  /** The deploy's status while the step runs (the bake is `baking`). */
  status?: DeployStatus;
  /**
   * Compensations registered before the step runs: its effect is uncertain once it starts (a
   * call that timed out may still have landed). Evaluated at the step's turn, so a patched()
   * branch that decides them stays inside its step.
   */
  undoFirst?(run: R): Compensation<R>[];
  run(run: R): Promise<T>;
  /** The step's detail line once it succeeded. */
  describe?(result: T, run: R): string | null;
  /** What later steps learn from this one (before `undoAfter`). */
  then?(result: T, run: R): void;
  /** Compensations registered only once the step succeeded (a failure wrote nothing to undo). */
  undoAfter?(run: R): Compensation<R>[];
  /**
   * `false` when the next step starts without the rollback/cancel check: after the flip the
   * checks run at once, and a rollback signal interrupts them instead.
   */
  stopCheckAfter?: boolean;
}

/** Types the steps of one kind of run by their own names and results (`const step = stepOf<R, P>()`). */
export function stepOf<R, P = R>() {
  return <N extends string, T>(definition: RunbookStep<R, N, T, P>): RunbookStep<R, N, T, P> => definition;
}

/** What the driver needs from the workflow around it. */
export interface RunbookDriver {
  progress: ProgressTracker;
  saga: Saga;
  /** Which step each compensation undoes, for the progress query. */
  undoes: Record<string, string>;
  /** Throws when a rollback signal or a cancellation arrived while the last step finished. */
  stopIfRequested(): void;
}

/** Runs the steps in order against `run`; between two steps, a rollback or cancellation stops it. */
export async function runSteps<R>(driver: RunbookDriver, steps: readonly RunbookStep<R>[], run: R): Promise<void> {
  const { progress, saga, undoes } = driver;
  const register = (stepName: string, compensations: Compensation<R>[] | undefined) => {
    for (const c of compensations ?? []) {
      undoes[c.name] = stepName;
      saga.add(c.name, () => c.run(run));
    }
  };
  for (const [index, s] of steps.entries()) {
    if (index > 0 && steps[index - 1]!.stopCheckAfter !== false) driver.stopIfRequested();
    const applies = s.when ? s.when(run) : true;
    if (applies !== true) {
      progress.markSkipped(s.name, applies);
      continue;
    }
    register(s.name, s.undoFirst?.(run));
    if (s.status) progress.setStatus(s.status);
    const result = await progress.run(s.name, () => s.run(run), s.describe && ((r) => s.describe!(r, run)));
    s.then?.(result, run);
    register(s.name, s.undoAfter?.(run));
  }
}
