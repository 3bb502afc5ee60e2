import type { Command } from 'commander';
import { processAlive } from '../../devstack/file-lock.ts';
import { inspectStack, removeStackInfo } from '../../devstack/stack-file.ts';
import { stateDir } from '../../devstack/paths.ts';
import { EXIT, println, type CliIo } from '../io.ts';
import { defineCommand } from '../command.ts';
import { z } from 'zod';
import { killGroup } from '../stack.ts';

async function waitGone(pids: number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (pids.every((pid) => !processAlive(pid))) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return pids.every((pid) => !processAlive(pid));
}

const stopFlags = z.object({});

export const stopCommand = defineCommand({
  flags: stopFlags,
  name: 'stop',
  summary: 'Stop the embedded stack (Temporal dev server, local Cloudflare, worker); its state is kept',
  configure(command: Command) {
    command.addHelpText('after', '\nState survives in .nextdeploy/ (temporal.db, cf-local/); the next command starts the stack again.');
  },
  async run(_options, io: CliIo) {
    const found = await inspectStack();
    if (found.state === 'none') {
      println(io.stdout, 'No embedded stack is running.');
      return EXIT.OK;
    }
    const { info } = found;
    const pids = [info.pid, info.temporal.pid, ...(info.worker ? [info.worker.pid] : [])];
    println(io.stdout, `Stopping the embedded stack (pid ${info.pid})...`);
    try {
      process.kill(info.pid, 'SIGTERM');
    } catch {
      // Already gone: the children are checked below.
    }
    if (!(await waitGone(pids, 30_000))) {
      // The supervisor leads a process group holding everything it started.
      if (info.mode === 'background') killGroup(info.pid, 'SIGKILL');
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      await waitGone(pids, 5_000);
      println(io.stderr, 'The stack did not stop within 30 s; it was killed.');
    }
    removeStackInfo(stateDir(), info.pid);
    println(io.stdout, `Stopped. State is kept in ${stateDir()} (Temporal history, local Cloudflare); the next command starts the stack again.`);
    return EXIT.OK;
  },
});
