import { Command, CommanderError } from 'commander';
import { CliError, EXIT, println, type CliIo } from './io.ts';
import { COMMANDS } from './commands/index.ts';

/** Builds the program with every command of the registry; exit codes come back through `setExit`. */
export function createProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('nextdeploy')
    .description('Deploy Next.js apps to Cloudflare with a durable Temporal workflow.')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      getOutHelpWidth: () => io.stdout.columns ?? 100,
      getErrHelpWidth: () => io.stderr.columns ?? 100,
    });
  for (const spec of COMMANDS) {
    const command = program.command(spec.name).summary(spec.summary).description(spec.summary).allowExcessArguments(false);
    spec.configure(command);
    command.action(async (...args: unknown[]) => {
      const cmd = args.at(-1) as Command;
      // The command's schema types its flags; commander only guarantees the declared option names.
      setExit(await spec.run(spec.flags.parse(cmd.opts()), io, cmd));
    });
  }
  return program;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code; never exits the process. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.OK;
  const program = createProgram(io, (code) => {
    exitCode = code;
  });
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT.USAGE;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version' ? EXIT.OK : EXIT.USAGE;
    }
    if (err instanceof CliError) {
      for (const line of err.lines) println(io.stderr, `error: ${line}`);
      return err.exitCode;
    }
    println(io.stderr, `error: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.FAILED;
  }
}
