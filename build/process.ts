import { spawn } from 'node:child_process';

/** How a streamed child process ended: its exit code and the last lines it printed. */
export interface StreamedRun {
  code: number | null;
  /** The last {@link TAIL_LINES} lines of stdout and stderr, for error messages and detection. */
  tail: string[];
}

const TAIL_LINES = 400;
// Colours and cursor moves from the tools' own progress output; callers get plain text.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/**
 * Runs `command args` and hands every output line (stdout and stderr, ANSI codes removed) to
 * `onLine` as it comes, so a CLI can show a long build's progress live.
 */
export function runStreaming(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; onLine?: (line: string) => void },
): Promise<StreamedRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const feed = (stream: NodeJS.ReadableStream) => {
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split(/\r?\n|\r/);
        pending = lines.pop() ?? '';
        for (const line of lines) emit(line);
      });
      stream.on('end', () => pending && emit(pending));
    };
    const emit = (raw: string) => {
      const line = raw.replace(ANSI, '').trimEnd();
      if (!line) return;
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      options.onLine?.(line);
    };
    feed(child.stdout);
    feed(child.stderr);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, tail }));
  });
}
