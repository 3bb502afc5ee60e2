import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { progressQuery, type DeployProgress, type DeployResult } from '../core/workflow-contracts.ts';
import type { OutStream } from './io.ts';
import { createPlainRenderer } from './render/plain.ts';
import type { ProgressRenderer } from './render/steps.ts';
import { createTtyRenderer } from './render/tty.ts';

/** A live step list on a terminal, one line per change elsewhere, nothing at all for `--json`. */
export function rendererFor(stream: OutStream, json: boolean): ProgressRenderer {
  if (json) return { update() {}, finish() {} };
  return stream.isTTY && !process.env.NEXTDEPLOY_PLAIN_OUTPUT ? createTtyRenderer(stream) : createPlainRenderer(stream);
}

/**
 * How following ended: the workflow's result, or `interrupted` when the person pressed Ctrl-C
 * (the workflow goes on in Temporal; only the watching stopped).
 */
export type FollowOutcome =
  | { interrupted: false; result: DeployResult; progress: DeployProgress | undefined }
  | { interrupted: true; progress: DeployProgress | undefined };

/** Exit code after Ctrl-C (128 + SIGINT), as shells expect. */
export const EXIT_INTERRUPTED = 130;

function failureMessage(err: unknown): { reason: string; failureType?: string } {
  if (err instanceof WorkflowFailedError) {
    let cause: unknown = err.cause;
    let failureType: string | undefined;
    let message = err.message;
    while (cause) {
      const c = cause as { type?: string; message?: string; cause?: unknown };
      if (c.type && !failureType) failureType = c.type;
      if (c.message) message = c.message;
      cause = c.cause;
    }
    return { reason: message, failureType };
  }
  return { reason: err instanceof Error ? err.message : String(err) };
}

/**
 * Polls the `progress` query while waiting for the workflow's result, feeding the renderer.
 * A workflow that fails (rather than returning a `failed` result) is turned into one.
 */
export async function followWorkflow(client: Client, handle: WorkflowHandle, app: string, version: string, renderer: ProgressRenderer, pollMs = 300): Promise<FollowOutcome> {
  let progress: DeployProgress | undefined;
  let done = false;
  const poll = (async () => {
    while (!done) {
      // Before the first workflow task the query has no answer yet; the next round asks again.
      const answer = await queryProgress(client, handle, 5_000);
      if (answer) {
        progress = answer;
        renderer.update(answer);
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  })();
  let result: DeployResult | 'interrupted';
  let onInterrupt: () => void = () => {};
  const interrupted = new Promise<'interrupted'>((resolve) => {
    onInterrupt = () => resolve('interrupted');
    process.once('SIGINT', onInterrupt);
  });
  try {
    result = await Promise.race([handle.result() as Promise<DeployResult>, interrupted]);
  } catch (err) {
    const { reason, failureType } = failureMessage(err);
    result = { status: 'failed', app, version: progress?.version ?? version, reason, failureType, liveVersion: null, compensations: progress?.compensations ?? [] };
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    done = true;
    await poll;
  }
  if (result === 'interrupted') {
    // Leave the terminal as it was (the TTY renderer hid the cursor).
    renderer.finish();
    return { interrupted: true, progress };
  }
  // A closed workflow answers queries only while a worker can replay it; else keep the last answer.
  const final = await queryProgress(client, handle, 5_000);
  if (final) {
    progress = final;
    renderer.update(final);
  }
  renderer.finish();
  return { interrupted: false, result, progress };
}

/**
 * Asks a workflow for its progress, giving up after `timeoutMs`: a query waits for a worker, and
 * a deploy whose worker is down must not hang `status` or a refusal.
 */
export async function queryProgress(client: Client, handle: WorkflowHandle, timeoutMs = 3_000): Promise<DeployProgress | null> {
  try {
    return await client.connection.withDeadline(Date.now() + timeoutMs, () => handle.query(progressQuery));
  } catch {
    return null;
  }
}
