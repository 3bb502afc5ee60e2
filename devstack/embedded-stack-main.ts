// The embedded stack's supervisor when it runs in the background (started by `start-deploy`,
// stopped by `npm run stop` with SIGTERM). Its output goes to .nextdeploy/logs/stack.log.
import { startEmbeddedStack, onStopSignal } from './embedded-stack.ts';

const target = process.argv.includes('--api') ? 'api' : 'local';
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

try {
  const stack = await startEmbeddedStack({ mode: 'background', cloudflareTarget: target, log });
  log(`stack: running (supervisor pid ${process.pid}); Temporal Web UI ${stack.info.temporal.uiUrl}`);
  let stopping = false;
  const stop = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    log(`stack: stopping (${why})`);
    await stack.stop();
    log('stack: stopped');
    process.exit(code);
  };
  onStopSignal((signal) => void stop(signal, 0));
  // A worker that dies takes the stack down with it: the next command sees no stack and starts a fresh one.
  void stack.workerExited.then((code) => stop(`the worker exited with code ${code}`, 1));
} catch (err) {
  log(`stack: failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exit(1);
}
