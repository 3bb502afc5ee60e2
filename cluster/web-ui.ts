/**
 * The Temporal Web UI in front of the cluster: the pinned ui-server (the one the Temporal CLI
 * embeds and the temporalio/ui image runs), configured through its own config folder.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../devstack/free-port.ts';

/** A running Web UI. */
export interface WebUi {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts the Web UI for `temporalAddress` on 127.0.0.1 and resolves once it serves its page. */
export async function startWebUi(options: { binary: string; temporalAddress: string; dir: string; logFile: string; port?: number }): Promise<WebUi> {
  const port = options.port ?? (await freePort());
  const root = path.join(options.dir, 'web-ui');
  mkdirSync(path.join(root, 'config'), { recursive: true });
  // The ui-server reads <root>/<config>/<env>.yaml; JSON is YAML.
  writeFileSync(
    path.join(root, 'config', 'cluster.yaml'),
    `${JSON.stringify({ temporalGrpcAddress: options.temporalAddress, host: '127.0.0.1', port, enableUi: true, defaultNamespace: 'default', cors: { cookieInsecure: true, allowOrigins: [`http://127.0.0.1:${port}`] }, refreshInterval: '1m' }, null, 2)}\n`,
  );
  const out = openSync(options.logFile, 'a');
  const child = spawn(options.binary, ['--root', root, '--config', 'config', '--env', 'cluster', 'start'], { stdio: ['ignore', out, out] });
  closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the Temporal Web UI exited (${child.exitCode}) before serving; see ${options.logFile}`);
    const ok = await fetch(`${url}/`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the Temporal Web UI did not serve ${url} within 30 s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
