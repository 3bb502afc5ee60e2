// `npx tsx scripts/record-histories.ts`: runs real deploys on the local stack (dev server,
// worker, local Cloudflare with the router) and records their histories into
// workflows/__fixtures__/*.json. workflows/replay.test.ts replays them, so a workflow change that
// would break deploys already running fails CI. Re-record only when such a break is intended
// (and versioned with patched()). `--suffix <tag>` writes <name>.<tag>.json beside the existing
// ones instead, so histories of the current code join those of older code rather than replacing them.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../devstack/paths.ts';
import { resolveTemporalBinary } from '../devstack/temporal-binaries.ts';
import { LOCAL_APPS_DOMAIN, startLocalDeployStack } from '../worker/local-stack.ts';
import { requestRollback, startDeploy } from '../workflows/client.ts';
import { rollbackSignal } from '../core/workflow-contracts.ts';

const FIXTURES = path.join(PROJECT_ROOT, 'workflows', '__fixtures__');
const { values: flags } = parseArgs({ options: { suffix: { type: 'string', default: '' } } });
if (flags.suffix && !/^[a-z0-9-]+$/.test(flags.suffix)) throw new Error(`--suffix: use a-z, 0-9 and hyphens, got "${flags.suffix}"`);
const APP = 'replay';

function site(version: string, healthy: boolean): string {
  const dir = mkdtempSync(path.join(tmpdir(), `nextdeploy-record-${version}-`));
  writeFileSync(path.join(dir, 'index.html'), `<h1>${version}</h1>`);
  writeFileSync(path.join(dir, '404.html'), 'not found');
  if (healthy) writeFileSync(path.join(dir, 'health.html'), 'ok');
  return dir;
}

const stack = await startLocalDeployStack({ cloudflare: { timing: { directUploadStepMs: 30, buildStepMs: 30, domainActivationMs: 300 } } });
try {
  // The token is the emulator's random one: the recorded histories cannot hold a real secret.
  const input = (version: string, healthy: boolean, bakeMs = 0) => ({
    app: APP,
    version,
    accountId: stack.cf.accountId,
    zoneId: stack.cf.zone.id,
    kvNamespaceId: stack.kvNamespaceId,
    pagesProject: 'demo',
    source: { type: 'directory', path: site(version, healthy), branch: 'main' },
    metadata: { app: APP, version, defaultTarget: 'https://demo.pages.dev', routes: {} },
    hostname: `${APP}.nextdeploy.test`,
    checks: { hostname: `${APP}.${LOCAL_APPS_DOMAIN}`, paths: ['/', '/health'], propagationWindowMs: 1_000, retryIntervalMs: 200, requestTimeoutMs: 3_000 },
    timing: { buildTimeoutMs: 60_000, pollInitialIntervalMs: 100, pollMaxIntervalMs: 500, domainTimeoutMs: 60_000, bakeMs, bakeCheckIntervalMs: 300 },
  });
  const recorded: Record<string, { workflowId: string; runId: string }> = {};
  const run = async (name: string, version: string, healthy: boolean, bakeMs = 0, during?: (h: Awaited<ReturnType<typeof startDeploy>>['handle']) => Promise<void>) => {
    const { handle } = await startDeploy(stack.client, input(version, healthy, bakeMs), { taskQueue: stack.taskQueue });
    if (during) await during(handle);
    await handle.result().catch(() => undefined);
    recorded[name] = { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
  };
  await run('deploy-live', 'v1', true);
  await run('deploy-live-with-bake', 'v2', true, 1_500);
  await run('deploy-checks-failed', 'v3', false);
  await run('deploy-rollback-signal', 'v4', true, 60_000, async (h) => {
    for (let i = 0; i < 200 && (await h.query('progress').catch(() => null) as { status?: string } | null)?.status !== 'baking'; i += 1) await new Promise((r) => setTimeout(r, 100));
    await h.signal(rollbackSignal, { reason: 'recorded rollback' });
  });
  await run('deploy-cancelled', 'v5', true, 60_000, async (h) => {
    await new Promise((r) => setTimeout(r, 500));
    await h.cancel();
  });
  const checks = { hostname: `${APP}.${LOCAL_APPS_DOMAIN}`, paths: ['/'], expectVersionHeader: true, requestTimeoutMs: 3_000, propagationWindowMs: 1_000, retryIntervalMs: 200 };
  const rb = await requestRollback(stack.client, { app: APP, accountId: stack.cf.accountId, kvNamespaceId: stack.kvNamespaceId, toVersion: 'v1', checks }, { taskQueue: stack.taskQueue });
  await rb.result();
  recorded['rollback-manual'] = { workflowId: rb.workflowId, runId: rb.signaledRunId };

  mkdirSync(FIXTURES, { recursive: true });
  // Exported with the Temporal CLI (the proto-JSON replay reads): @temporalio/common's
  // historyToJSON trips over its own nested protobufjs in this install.
  const cli = await resolveTemporalBinary('cli', { quiet: true });
  for (const [name, { workflowId, runId }] of Object.entries(recorded)) {
    const json = execFileSync(cli.path, ['workflow', 'show', '--workflow-id', workflowId, '--run-id', runId, '--output', 'json', '--address', stack.temporal.address, '--namespace', stack.temporal.namespace], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (json.includes(stack.cf.token)) throw new Error(`history ${name} contains the token; not writing it`);
    const events = (JSON.parse(json) as { events: unknown[] }).events;
    writeFileSync(path.join(FIXTURES, `${name}${flags.suffix ? `.${flags.suffix}` : ''}.json`), json.endsWith('\n') ? json : `${json}\n`);
    console.log(`recorded ${name}: ${events.length} events`);
  }
} finally {
  await stack.stop();
}
