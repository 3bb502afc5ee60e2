/**
 * The secrets check: no workflow history, log file or captured output may contain the API token.
 * Histories are read back from Temporal and every payload is decoded, so a token hidden in a
 * JSON payload (which Temporal stores as bytes) is found too.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FaultStack } from './harness.ts';

/** Every string in `value`, with byte arrays decoded as UTF-8 (payload data, failure details). */
function strings(value: unknown, out: string[], depth = 0): void {
  if (depth > 60 || value === null || value === undefined) return;
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) for (const v of value) strings(v, out, depth + 1);
  else if (typeof value === 'object') for (const v of Object.values(value)) strings(v, out, depth + 1);
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    const st = statSync(full);
    if (st.isDirectory()) out.push(...filesUnder(full));
    else if (st.isFile() && st.size < 50 * 1024 * 1024) out.push(full);
  }
  return out;
}

/** How many workflow histories {@link scanForToken} read, for the report. */
export interface ScanSummary {
  histories: number;
  files: number;
  captured: number;
}

/**
 * Places the token appears: `history:<workflowId>/<runId>`, `file:<path>`, `captured:<i>`.
 * Token files (the stack's and `tokenFiles`) are skipped: they are where the tokens live.
 */
export async function scanForToken(stack: FaultStack, options: { extraTokens?: string[]; tokenFiles?: string[]; summary?: ScanSummary } = {}): Promise<string[]> {
  const tokens = [stack.token, ...(options.extraTokens ?? [])];
  const has = (text: string | Buffer) => tokens.some((t) => text.includes(t));
  const found: string[] = [];
  stack.captured.forEach((text, i) => {
    if (has(text)) found.push(`captured:${i}`);
  });
  const skip = new Set([stack.tokenFile, ...(options.tokenFiles ?? [])]);
  const files = filesUnder(stack.dir).filter((f) => !skip.has(f));
  for (const file of files) {
    if (has(readFileSync(file))) found.push(`file:${file}`);
  }
  let histories = 0;
  if (stack.temporal) {
    const client = stack.client();
    for await (const wf of client.workflow.list()) {
      const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      histories += 1;
      const all: string[] = [];
      strings(history, all);
      if (all.some((s) => has(s))) found.push(`history:${wf.workflowId}/${wf.runId}`);
    }
  }
  if (options.summary) Object.assign(options.summary, { histories, files: files.length, captured: stack.captured.length });
  return found;
}
