import type { Command } from 'commander';
import { withFileLock } from '../../devstack/file-lock.ts';
import { inspectStack, stackPaths } from '../../devstack/stack-file.ts';
import { CliError, EXIT, println, type CliIo } from '../io.ts';
import { configOption, defineCommand } from '../command.ts';
import { z } from 'zod';
import { announceEmbedded, loadSettings } from '../settings.ts';
import { describeStack } from '../stack.ts';

/** The command's flags, as commander hands them over. */
const devFlags = z.object({
  config: z.string().optional(),
});

export const devCommand = defineCommand({
  flags: devFlags,
  name: 'dev',
  summary: 'Run the embedded stack in the foreground (Temporal + Web UI, worker, local Cloudflare + router) until Ctrl-C',
  configure(command: Command) {
    command.addOption(configOption()).addHelpText('after', '\nState survives a restart: Temporal history in .nextdeploy/temporal.db, the local Cloudflare in .nextdeploy/cf-local/.');
  },
  async run(flags, io: CliIo) {
    const settings = loadSettings(io, flags);
    if (settings.mode === 'embedded') announceEmbedded(io);
    const target = settings.mode === 'embedded' ? 'local' : 'api';
    const running = await inspectStack();
    if (running.state !== 'none') {
      throw new CliError([
        `The embedded stack is already running in the ${running.info.mode} (pid ${running.info.pid}):`,
        ...describeStack(running.info),
        'Stop it with `npm run stop` first to run it here in the foreground.',
      ], EXIT.REFUSED);
    }
    // Loaded here: the local Cloudflare brings workerd, which no other command needs to load.
    const { startEmbeddedStack, onStopSignal } = await import('../../devstack/embedded-stack.ts');
    const stack = await withFileLock(stackPaths().lock, () =>
      startEmbeddedStack({ mode: 'foreground', cloudflareTarget: target, env: io.env, log: (line) => println(io.stderr, line) }),
    );
    println(io.stdout, `The embedded stack is running (pid ${process.pid}):`);
    for (const line of describeStack(stack.info)) println(io.stdout, line);
    println(io.stdout, `  Deploy            npm run start-deploy -- --app app123   (in another terminal)`);
    println(io.stdout, 'Press Ctrl-C to stop.');
    const reason = await new Promise<{ code: number; why: string }>((resolve) => {
      onStopSignal((signal) => resolve({ code: EXIT.OK, why: signal }));
      void stack.workerExited.then((code) => resolve({ code: EXIT.FAILED, why: `the worker exited with code ${code}` }));
    });
    println(io.stdout, `\nStopping (${reason.why})...`);
    await stack.stop();
    println(io.stdout, 'Stopped; state is kept for the next start.');
    return reason.code;
  },
});
