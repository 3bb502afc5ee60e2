import type { Logger, LogLevel, LogMetadata } from '@temporalio/common';

const LEVELS: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

/** Where log lines go; `process.stdout` in production, an array in tests. */
export interface LineSink {
  write(line: string): unknown;
}

/**
 * One JSON object per line (`time`, `level`, `message`, then the metadata), for log shippers.
 * Every known secret is replaced by `[redacted]` wherever it appears, as a last line of defence:
 * the token must never reach a log even if some error message carried it.
 */
export class JsonLogger implements Logger {
  readonly #sink: LineSink;
  readonly #minLevel: number;
  readonly #secrets: string[];

  constructor(options: { sink?: LineSink; level?: LogLevel; secrets?: readonly (string | undefined)[] } = {}) {
    this.#sink = options.sink ?? process.stdout;
    this.#minLevel = LEVELS[options.level ?? 'INFO'];
    // Short strings would redact innocent text; real tokens are long.
    this.#secrets = (options.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length >= 8);
  }

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    if (LEVELS[level] < this.#minLevel) return;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level, message };
    for (const [key, value] of Object.entries(meta)) {
      entry[key] = value instanceof Error ? { name: value.name, message: value.message } : value;
    }
    let line = JSON.stringify(entry, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    for (const secret of this.#secrets) line = line.split(secret).join('[redacted]');
    this.#sink.write(`${line}\n`);
  }

  trace(message: string, meta?: LogMetadata): void { this.log('TRACE', message, meta); }
  debug(message: string, meta?: LogMetadata): void { this.log('DEBUG', message, meta); }
  info(message: string, meta?: LogMetadata): void { this.log('INFO', message, meta); }
  warn(message: string, meta?: LogMetadata): void { this.log('WARN', message, meta); }
  error(message: string, meta?: LogMetadata): void { this.log('ERROR', message, meta); }
}
