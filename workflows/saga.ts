import { CancellationScope, log } from '@temporalio/workflow';

/** One compensation as the saga ran it. */
export interface CompensationOutcome {
  name: string;
  status: 'succeeded' | 'failed';
  detail: string | null;
}

/**
 * Compensations of the steps that ran, undone in reverse. A step pushes its compensation right
 * after it succeeds, or before it runs when its effect is uncertain (a timed-out call may have
 * landed), so every compensation is idempotent: it also copes with "nothing to undo".
 */
export class Saga {
  private readonly entries: { name: string; run: () => Promise<void> }[] = [];

  /** Registers `run` to undo a step; `name` is what the progress query and the result show. */
  add(name: string, run: () => Promise<void>): void {
    this.entries.push({ name, run });
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * Runs every registered compensation, newest first, in a non-cancellable scope (a cancelled
   * workflow still cleans up). A failed compensation is logged and reported, and the rest still
   * run; the caller rethrows the original failure.
   */
  async compensate(onOutcome?: (outcome: CompensationOutcome) => void): Promise<CompensationOutcome[]> {
    const outcomes: CompensationOutcome[] = [];
    await CancellationScope.nonCancellable(async () => {
      while (this.entries.length > 0) {
        const entry = this.entries.pop()!;
        let outcome: CompensationOutcome;
        try {
          await entry.run();
          outcome = { name: entry.name, status: 'succeeded', detail: null };
        } catch (err) {
          const detail = describeError(err);
          log.error('compensation failed; continuing with the rest', { compensation: entry.name, error: detail });
          outcome = { name: entry.name, status: 'failed', detail };
        }
        outcomes.push(outcome);
        onOutcome?.(outcome);
      }
    });
    return outcomes;
  }
}

/** The innermost message of a (possibly wrapped) Temporal failure. */
export function describeError(err: unknown): string {
  let current: unknown = err;
  for (let depth = 0; depth < 5; depth += 1) {
    const cause = (current as { cause?: unknown } | null)?.cause;
    if (!cause) break;
    current = cause;
  }
  return current instanceof Error ? current.message : String(current);
}
