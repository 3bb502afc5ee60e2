import type { Command } from 'commander';
import { z } from 'zod';
import { withFileLock } from '../../devstack/file-lock.ts';
import { inspectStack, stackPaths } from '../../devstack/stack-file.ts';
import { CliError, EXIT, println, type CliIo } from '../io.ts';
import { configOption, defineCommand } from '../command.ts';
import { announceEmbedded, loadSettings } from '../settings.ts';
import { describeStack } from '../stack.ts';

/** The command's flags, as commander hands them over. */
const clusterFlags = z.object({
  config: z.string().optional(),
  workers: z.coerce.number({ error: '--workers must be a whole number from 1 to 16, e.g. --workers 3' }).int().min(1).max(16, { error: '--workers must be a whole number from 1 to 16, e.g. --workers 3' }).default(3),
});

export const clusterCommand = defineCommand({
  flags: clusterFlags,
  name: 'cluster',
  summary: 'Run a Temporal cluster in the foreground (Temporal server on PostgreSQL, Web UI, N workers, local Cloudflare + router) until Ctrl-C',
  configure(command: Command) {
    command
      .addOption(configOption())
      .option('--workers <n>', 'worker processes polling the task queue (default 3)')
      .addHelpText('after', '\nThe server is go.temporal.io/server built from source on first start (a few minutes; cached in .nextdeploy/tools).\nState survives a restart: PostgreSQL in .nextdeploy/cluster/postgres, the local Cloudflare in .nextdeploy/cf-local/.\nOther commands (start-deploy, status, rollback) use the running cluster as they use the embedded stack.');
  },
  async run(flags, io: CliIo) {
    const settings = loadSettings(io, flags);
    if (settings.mode === 'embedded') announceEmbedded(io);
    const target = settings.mode === 'embedded' ? 'local' : 'api';
    const running = await inspectStack();
    if (running.state !== 'none') {
      throw new CliError([
        `A stack is already running in the ${running.info.mode} (pid ${running.info.pid}):`,
        ...describeStack(running.info),
        'Stop it with `npm run stop` first.',
      ], EXIT.REFUSED);
    }
    const { startEmbeddedStack, onStopSignal } = await import('../../devstack/embedded-stack.ts');
    const stack = await withFileLock(stackPaths().lock, () =>
      startEmbeddedStack({ mode: 'foreground', cloudflareTarget: target, env: io.env, log: (line) => println(io.stderr, line), cluster: { workers: flags.workers } }),
      // The first start builds the Temporal server from source.
      30 * 60_000,
    );
    println(io.stdout, `The cluster is running (pid ${process.pid}, ${flags.workers} worker${flags.workers === 1 ? '' : 's'}):`);
    for (const line of describeStack(stack.info)) println(io.stdout, line);
    println(io.stdout, `  Deploy            npm run start-deploy -- --app app123   (in another terminal)`);
    println(io.stdout, 'Press Ctrl-C to stop.');
    const reason = await new Promise<{ code: number; why: string }>((resolve) => {
      onStopSignal((signal) => resolve({ code: EXIT.OK, why: signal }));
      void stack.workerExited.then((code) => resolve({ code: EXIT.FAILED, why: `a worker exited with code ${code}` }));
    });
    println(io.stdout, `\nStopping (${reason.why})...`);
    await stack.stop();
    println(io.stdout, 'Stopped; state is kept for the next start.');
    return reason.code;
  },
});
