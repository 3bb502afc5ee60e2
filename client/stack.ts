import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { withFileLock } from '../devstack/file-lock.ts';
import { PROJECT_ROOT, tsxNodeArgs } from '../devstack/paths.ts';
import { inspectStack, readStackInfo, stackPaths, type StackInfo } from '../devstack/stack-file.ts';
import { CliError, EXIT, println, type CliIo } from './io.ts';

const SUPERVISOR = path.join(PROJECT_ROOT, 'devstack', 'embedded-stack-main.ts');

function logTail(file: string, lines = 15): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Lines that tell a person where everything is and how to stop it. */
export function describeStack(info: StackInfo): string[] {
  const lines = [`  Temporal Web UI   ${info.temporal.uiUrl}  (server ${info.temporal.address})`];
  if (info.cloudflare) {
    lines.push(`  Local Cloudflare  API ${info.cloudflare.apiBaseUrl}, edge ${info.cloudflare.edgeUrl}`);
    lines.push(`  Apps              https://<app>.${info.cloudflare.appsDomain} through the edge (e.g. curl -H 'host: app123.${info.cloudflare.appsDomain}' ${info.cloudflare.edgeUrl}/)`);
  }
  lines.push(`  Logs              ${info.logDir}`);
  return lines;
}

/**
 * The embedded stack for this command: the running one if there is one, else a new one started
 * in the background (detached, so the Web UI, the app, `status` and `rollback` keep working after
 * this command exits). Notices go to stderr so `--json` output stays clean.
 */
export async function ensureStack(io: CliIo, target: StackInfo['cloudflareTarget']): Promise<StackInfo> {
  const paths = stackPaths();
  const reuse = (info: StackInfo): StackInfo => {
    if (info.cloudflareTarget !== target) {
      throw new CliError([
        `The embedded stack running (pid ${info.pid}) serves ${info.cloudflareTarget === 'local' ? 'the local Cloudflare' : 'the real Cloudflare API'}, but this run needs ${target === 'local' ? 'the local Cloudflare' : 'the real Cloudflare API'}.`,
        'Stop it with `npm run stop` and run the command again.',
      ], EXIT.REFUSED);
    }
    return info;
  };
  const found = await inspectStack();
  if (found.state === 'running') {
    println(io.stderr, `Using the embedded stack already running (pid ${found.info.pid}); stop it with \`npm run stop\`.`);
    return reuse(found.info);
  }
  if (found.state === 'unhealthy') {
    throw new CliError([`The embedded stack (pid ${found.info.pid}) is running, but ${found.problem}.`, `Stop it with \`npm run stop\` and run the command again (logs: ${found.info.logDir}).`], EXIT.UNAVAILABLE);
  }
  return withFileLock(paths.lock, async () => {
    // Another command may have started it while this one waited for the lock.
    const again = await inspectStack();
    if (again.state === 'running') return reuse(again.info);
    println(io.stderr, `Starting the embedded stack in the background (${target === 'local' ? 'Temporal dev server, local Cloudflare, router, worker' : 'Temporal dev server and a worker using the Cloudflare API'})...`);
    mkdirSync(paths.logs, { recursive: true });
    const out = openSync(paths.supervisorLog, 'a');
    const env = { ...io.env };
    if (target === 'local') for (const name of Object.keys(env)) if (name.startsWith('CLOUDFLARE_API_TOKEN')) delete env[name];
    const child = spawn(process.execPath, [...tsxNodeArgs(SUPERVISOR), ...(target === 'api' ? ['--api'] : [])], {
      cwd: PROJECT_ROOT,
      env,
      detached: true,
      stdio: ['ignore', out, out],
    });
    child.unref();
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new CliError([`The embedded stack failed to start (exit ${child.exitCode}). Last lines of ${paths.supervisorLog}:`, logTail(paths.supervisorLog)], EXIT.UNAVAILABLE);
      }
      const info = readStackInfo();
      if (info && info.pid === child.pid) {
        println(io.stderr, `Started the embedded stack in the background (pid ${info.pid}); it keeps running after this command. Stop it with \`npm run stop\`.`);
        for (const line of describeStack(info)) println(io.stderr, line);
        return info;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    killGroup(child.pid!);
    throw new CliError([`The embedded stack did not start within 180 s; see ${paths.supervisorLog}`], EXIT.UNAVAILABLE);
  });
}

/** The local Cloudflare's token (written by the stack, 0600). */
export function localToken(): string {
  return readFileSync(stackPaths().localToken, 'utf8').trim();
}

/** Signals the supervisor's whole process group (it leads one: spawned detached). */
export function killGroup(pid: number, signal: NodeJS.Signals = 'SIGTERM'): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}
