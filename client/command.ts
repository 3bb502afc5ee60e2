// The CLI's command contract, apart from the program that registers the commands: commands/
// import this leaf, program.ts imports commands/, and neither imports the other back.
import { Option, type Command } from 'commander';
import type { z } from 'zod';
import type { CliIo } from './io.ts';

/**
 * One command of the CLI: its flags are declared on `command`, parsed by `flags` (so their type
 * comes from that one schema), and its work returns an exit code.
 */
export interface CliCommand<Flags = Record<string, unknown>> {
  name: string;
  summary: string;
  /** Declares arguments, options and extra help on the commander command. */
  configure(command: Command): void;
  /** Parses commander's option values into the command's flags. */
  flags: z.ZodType<Flags>;
  run(flags: Flags, io: CliIo, command: Command): Promise<number>;
}

/** Builds a command; the generic ties `run`'s flags to the schema's output. */
export function defineCommand<Flags>(command: CliCommand<Flags>): CliCommand<Flags> {
  return command;
}

/** `--config <file>`, accepted by every command that reads configuration. */
export function configOption(): Option {
  return new Option('--config <file>', 'configuration file (default ./nextdeploy.config.json; env NEXTDEPLOY_CONFIG)');
}
