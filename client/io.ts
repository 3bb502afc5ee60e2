/** A stream the CLI writes to: process.stdout/stderr, or a fake one in tests. */
export interface OutStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Everything a command touches of its surroundings, so tests can run one in-process too. */
export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Exit codes of every command. Scripts and CI match on them. */
export const EXIT = {
  OK: 0,
  /** The deploy (or rollback) ended `failed` or `rolled_back`; validate-token found a missing permission. */
  FAILED: 1,
  /** Bad flags, configuration, metadata or token setup: nothing was started. */
  USAGE: 2,
  /** Refused because of the current state: a deploy of the app is already running, no stack to stop. */
  REFUSED: 3,
  /** A service the command needs (Temporal, the Cloudflare API) did not answer. */
  UNAVAILABLE: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the command reports as lines on stderr with an exit code, not as a stack trace. */
export class CliError extends Error {
  readonly lines: string[];
  readonly exitCode: ExitCode;
  constructor(lines: string | string[], exitCode: ExitCode = EXIT.USAGE) {
    const list = Array.isArray(lines) ? lines : [lines];
    super(list.join('\n'));
    this.name = 'CliError';
    this.lines = list;
    this.exitCode = exitCode;
  }
}

/** Writes one line. */
export function println(stream: OutStream, line = ''): void {
  stream.write(`${line}\n`);
}
