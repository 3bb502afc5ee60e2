import { CancellationScope, condition, isCancellation, patched } from '@temporalio/workflow';
import { INTERRUPTIBLE_WAITS_PATCH } from './patches.ts';

/**
 * Runs a wait so that a rollback request ends it at once rather than when the build, the
 * certificate or the checks are done: the wait's scope is cancelled (a wait changes nothing in
 * Cloudflare) and `stopped()` is thrown instead, so the saga undoes what earlier steps did. A
 * cancellation of the workflow itself still surfaces as a cancellation.
 */
export async function interruptible<T>(wait: () => Promise<T>, requested: () => boolean, stopped: () => Error): Promise<T> {
  if (!patched(INTERRUPTIBLE_WAITS_PATCH)) return wait();
  const waiting = new CancellationScope();
  const watch = new CancellationScope();
  void watch.run(() => condition(requested)).then(
    () => waiting.cancel(),
    () => undefined,
  );
  try {
    return await waiting.run(wait);
  } catch (err) {
    if (requested() && isCancellation(err) && !CancellationScope.current().consideredCancelled) throw stopped();
    throw err;
  } finally {
    watch.cancel();
  }
}
