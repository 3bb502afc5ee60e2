/**
 * Concurrency: two deploys of one app started at once (through the CLI, as two people would) →
 * one runs, the other is refused naming the running one; twenty apps deploying at once, twice,
 * into one shared KV namespace → every app's versions list and live record intact.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv } from '../client/cli-test-helpers.ts';
import { deployWorkflowId } from '../core/workflow-contracts.ts';
import { validConfig } from './bad-input-cases.ts';
import { runCli } from './cli-process.ts';
import { deployFacts, outcome, outcomesWithin, servedVersion, startDeploy, testDeployInput, writeBuild } from './deploys.ts';
import { FAULT_PROJECT, startFaultStack, type FaultStack } from './harness.ts';
import { kvDump } from './observe.ts';
import { scanForToken } from './secrets.ts';

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack();
  await stack.spawnWorker();
});
afterAll(async () => {
  await stack?.stop();
});

describe('two deploys of the same app started at once', () => {
  it('one runs to live; the other is refused (exit 3) naming the running workflow', async () => {
    const app = 'twin';
    const config = validConfig(stack.kvNamespaceId, stack.cf.apiBaseUrl);
    (config.apps as Record<string, unknown>)[app] = {};
    const configFile = path.join(stack.dir, 'twin.config.json');
    writeFileSync(configFile, JSON.stringify(config));
    const metadataFile = path.join(stack.dir, 'twin-metadata.json');
    writeFileSync(metadataFile, JSON.stringify({ app, version: 'v1', defaultTarget: `https://${FAULT_PROJECT}.pages.dev`, routes: {} }));
    const build = writeBuild(stack, app, 'v1');
    const stateDir = path.join(stack.dir, 'twin-state');
    mkdirSync(stateDir, { recursive: true });
    const env = cleanEnv({ CLOUDFLARE_API_TOKEN_FILE: stack.tokenFile, TEMPORAL_ADDRESS: stack.temporal!.address, NEXTDEPLOY_STATE_DIR: stateDir });
    const args = ['start-deploy', '--app', app, '--config', configFile, '--metadata', metadataFile, '--build-dir', build, '--detach', '--json'];
    // Slow the first Cloudflare call down so the first deploy is surely still running when the second arrives.
    stack.cf.addFault({ method: 'GET', path: `/accounts/*/storage/kv/namespaces/*/values/${app}*active`, latencyMs: 3_000, count: 1 });
    const runs = await Promise.all([runCli(args, { cwd: stack.dir, env }), runCli(args, { cwd: stack.dir, env })]);
    stack.captured.push(...runs.flatMap((r) => [r.stdout, r.stderr]));
    const codes = runs.map((r) => r.code).sort();
    expect(codes, runs.map((r) => r.stderr).join('\n')).toEqual([0, 3]);
    const refused = runs.find((r) => r.code === 3)!;
    expect(refused.stderr).toContain(deployWorkflowId(app));
    expect(refused.stdout).toBe('');

    const handle = stack.client().workflow.getHandle(deployWorkflowId(app));
    const end = await outcome(handle);
    expect(end.result?.status).toBe('live');
    const facts = await deployFacts(stack, app);
    expect(facts.deploymentsOf('v1')).toHaveLength(1);
    expect(facts.versions?.map((v) => `${v.version}:${v.state}`)).toEqual(['v1:live']);
    // Exactly one run of deploy-twin ever existed.
    const runsOfTwin = [];
    for await (const wf of stack.client().workflow.list({ query: `WorkflowId = '${deployWorkflowId(app)}'` })) runsOfTwin.push(wf.runId);
    expect(runsOfTwin).toHaveLength(1);
  });
});

describe('twenty apps deploying at once into one KV namespace', () => {
  const apps = Array.from({ length: 20 }, (_, i) => `fleet${String(i + 1).padStart(2, '0')}`);

  it('two rounds (v1, then v2 of all twenty): every versions list and live record intact', { timeout: 200_000 }, async () => {
    for (const version of ['v1', 'v2']) {
      const handles = await Promise.all(apps.map((app) => startDeploy(stack, testDeployInput(stack, app, { version }))));
      const ends = await outcomesWithin(handles, 75_000);
      ends.forEach((end, i) => expect.soft(end.result?.status, `${apps[i]}@${version}: ${end.error?.message}`).toBe('live'));
    }
    for (const app of apps) {
      const facts = await deployFacts(stack, app);
      expect.soft(facts.versions?.map((v) => `${v.version}:${v.state}`), app).toEqual(['v1:retired', 'v2:live']);
      expect.soft(facts.active?.app, app).toBe(app);
      expect.soft(facts.active?.version, app).toBe('v2');
      expect.soft(facts.active?.previousVersion, app).toBe('v1');
      expect.soft(facts.deploymentsOf('v2'), app).toHaveLength(1);
      expect.soft(facts.dnsRecords, app).toHaveLength(1);
      expect.soft(await servedVersion(stack, app, 'v2'), app).toBe('v2');
    }
    // Every key belongs to one of the apps and names only that app's versions.
    const kv = await kvDump(stack.cf, stack.kvNamespaceId);
    for (const app of apps) {
      const own = Object.keys(kv).filter((k) => k.startsWith(`${app}:`)).sort();
      expect.soft(own, app).toEqual([`${app}:active`, `${app}:default:v1`, `${app}:default:v2`, `${app}:routes:v1`, `${app}:routes:v2`, `${app}:versions`].sort());
      expect.soft(JSON.parse(kv[`${app}:routes:v2`]!).app, app).toBe(app);
    }
  });

  it('no history, log or captured output holds the token', async () => {
    expect(await scanForToken(stack)).toEqual([]);
  });
});
