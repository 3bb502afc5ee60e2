/**
 * Bad input, end to end: every case of the table is refused with an error naming the field and a
 * non-zero exit (or a 4xx from the router), and the emulator's mutation log and state stay exactly
 * as they were. The CLI runs as a child process, as a person runs it; config and metadata are also
 * checked in-process through the shared schemas.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, type CliRun } from '../client/cli-test-helpers.ts';
import { runCli } from './cli-process.ts';
import { ConfigError, parseConfig } from '../core/config.ts';
import { deployWorkflowId } from '../core/workflow-contracts.ts';
import { formatZodIssues, metadataSchema, pagesHostsFor } from '../core/metadata.ts';
import {
  BAD_INPUT_APP,
  CONFIG_CASES,
  FLAG_CASES,
  METADATA_CASES,
  validConfig,
  validMetadata,
} from './bad-input-cases.ts';
import { FAULT_PROJECT, startFaultStack, type FaultStack } from './harness.ts';
import { cloudflareSnapshot } from './observe.ts';
import { ROUTER_CASES } from './router-cases.ts';
import { scanForToken } from './secrets.ts';

let stack: FaultStack;
let files: { config: string; metadata: string; build: string; out: string; stateDir: string };
let before: Awaited<ReturnType<typeof cloudflareSnapshot>>;

beforeAll(async () => {
  stack = await startFaultStack({ temporal: true });
  const dir = stack.dir;
  files = {
    config: path.join(dir, 'nextdeploy.config.json'),
    metadata: path.join(dir, 'metadata.json'),
    build: path.join(dir, 'out'),
    out: path.join(dir, 'written-metadata.json'),
    stateDir: path.join(dir, 'state'),
  };
  mkdirSync(files.build, { recursive: true });
  writeFileSync(path.join(files.build, 'index.html'), '<h1>app1</h1>');
  writeFileSync(files.config, JSON.stringify(validConfig(stack.kvNamespaceId, stack.cf.apiBaseUrl)));
  writeFileSync(files.metadata, JSON.stringify(validMetadata()));
  stack.cf.clearMutations();
  before = await cloudflareSnapshot(stack.cf, stack.kvNamespaceId);
});

afterAll(async () => {
  await stack?.stop();
});

function cliEnv(): NodeJS.ProcessEnv {
  // TEMPORAL_ADDRESS always points at the suite's own server: a CLI that wrongly went ahead
  // would start a workflow there (and be caught), never a background stack of its own.
  return cleanEnv({
    CLOUDFLARE_API_TOKEN_FILE: stack.tokenFile,
    TEMPORAL_ADDRESS: stack.temporal!.address,
    NEXTDEPLOY_STATE_DIR: files.stateDir,
  });
}

async function cli(args: string[]): Promise<CliRun> {
  const filled = args.map((a) => a.replace('{config}', files.config).replace('{metadata}', files.metadata).replace('{build}', files.build).replace('{out}', files.out));
  const run = await runCli(filled, { cwd: stack.dir, env: cliEnv() });
  stack.captured.push(run.stdout, run.stderr);
  return run;
}

/** Runs `fn` over `items` with at most `limit` at once (CLI processes are heavy on 2 cores). */
async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!);
      }
    }),
  );
  return results;
}

async function expectNothingChanged(): Promise<void> {
  expect(stack.cf.mutations()).toEqual([]);
  expect(await cloudflareSnapshot(stack.cf, stack.kvNamespaceId)).toEqual(before);
}

function configText(c: (typeof CONFIG_CASES)[number]): string {
  if (c.text !== undefined) return c.text;
  const config = validConfig(stack.kvNamespaceId, stack.cf.apiBaseUrl);
  c.edit!(config);
  return JSON.stringify(config);
}

describe('the bad-input table', () => {
  it('has at least 40 cases across config, metadata, CLI flags and router requests', () => {
    const total = CONFIG_CASES.length + METADATA_CASES.length + FLAG_CASES.length + ROUTER_CASES.length;
    expect(total).toBeGreaterThanOrEqual(40);
    for (const group of [CONFIG_CASES, METADATA_CASES, FLAG_CASES, ROUTER_CASES]) expect(group.length).toBeGreaterThanOrEqual(8);
  });
});

describe('configuration (nextdeploy.config.json)', () => {
  it.each(CONFIG_CASES.filter((c) => c.text === undefined).map((c) => [c.name, c] as const))('core/config.ts refuses: %s', (_name, c) => {
    const raw = JSON.parse(configText(c));
    let error: unknown;
    try {
      parseConfig(raw, 'nextdeploy.config.json');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join('\n')).toMatch(c.error);
  });

  it('the CLI refuses every case with exit 2, naming the field, and nothing changes in Cloudflare', async () => {
    const runs = await pool(CONFIG_CASES, 3, async (c) => {
      const file = path.join(stack.dir, `config-${CONFIG_CASES.indexOf(c)}.json`);
      writeFileSync(file, configText(c));
      return { c, run: await cli(['start-deploy', '--app', BAD_INPUT_APP, '--config', file, '--metadata', '{metadata}', '--build-dir', '{build}']) };
    });
    for (const { c, run } of runs) {
      expect.soft(run.code, `${c.name}: ${run.stderr}`).toBe(2);
      expect.soft(run.stderr, c.name).toMatch(c.error);
      expect.soft(run.stderr, c.name).not.toMatch(/^\s+at /m);
    }
    await expectNothingChanged();
  });
});

describe('metadata (.nextdeploy/metadata.json)', () => {
  it.each(METADATA_CASES.filter((c) => !c.name.includes('another app')).map((c) => [c.name, c] as const))('core/metadata.ts refuses: %s', (_name, c) => {
    const metadata = validMetadata();
    c.edit(metadata);
    const parsed = metadataSchema({ allowedHosts: pagesHostsFor(FAULT_PROJECT) }).safeParse(JSON.parse(JSON.stringify(metadata)));
    expect(parsed.success).toBe(false);
    expect(formatZodIssues(parsed.error!, 'metadata').join('\n')).toMatch(c.error);
  });

  it('start-deploy --metadata refuses every case with exit 2, naming the field, and nothing changes', async () => {
    const runs = await pool(METADATA_CASES, 3, async (c) => {
      const metadata = validMetadata();
      c.edit(metadata);
      const file = path.join(stack.dir, `metadata-${METADATA_CASES.indexOf(c)}.json`);
      writeFileSync(file, JSON.stringify(metadata));
      return { c, run: await cli(['start-deploy', '--app', BAD_INPUT_APP, '--config', '{config}', '--metadata', file, '--build-dir', '{build}']) };
    });
    for (const { c, run } of runs) {
      expect.soft(run.code, `${c.name}: ${run.stderr}`).toBe(2);
      expect.soft(run.stderr, c.name).toMatch(c.error);
    }
    await expectNothingChanged();
  });
});

describe('CLI flags', () => {
  it('refuses every case with exit 2, naming the flag, and nothing changes', async () => {
    const runs = await pool(FLAG_CASES, 3, async (c) => ({ c, run: await cli(c.args) }));
    for (const { c, run } of runs) {
      expect.soft(run.code, `${c.name}: ${run.stderr}`).toBe(2);
      expect.soft(run.stderr, c.name).toMatch(c.error);
    }
    await expectNothingChanged();
  });
});

describe('router requests (router in workerd behind the local edge)', () => {
  it('answers every case with its 4xx and failure code, and KV stays as it was', async () => {
    for (const c of ROUTER_CASES) {
      const headers: Record<string, string> = {};
      if (c.auth === 'admin') headers.authorization = `Bearer ${stack.adminToken}`;
      if (c.auth === 'wrong') headers.authorization = `Bearer ${stack.adminToken}x`;
      const res = await stack.cf.edgeRequest(c.host, c.path, { method: c.method ?? 'GET', headers });
      expect.soft(res.status, c.name).toBe(c.status);
      expect.soft(res.headers['x-nextdeploy-error'], c.name).toBe(c.code);
      expect.soft(res.body, c.name).not.toContain(stack.adminToken);
    }
    await expectNothingChanged();
  });
});

describe('the valid baseline (control)', () => {
  it('is accepted: the same config, metadata and flags start a deploy (exit 0), so each case failed for its own defect', async () => {
    const run = await cli(['start-deploy', '--app', BAD_INPUT_APP, '--config', '{config}', '--metadata', '{metadata}', '--build-dir', '{build}', '--detach', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ app: BAD_INPUT_APP, status: 'started' });
    // No worker polls in this file: the workflow waits, and is ended here before it can act.
    await stack.client().workflow.getHandle(deployWorkflowId(BAD_INPUT_APP)).terminate('bad-input control');
    await expectNothingChanged();
  });

  it('no captured output, log or history holds the token', async () => {
    const found = await scanForToken(stack);
    expect(found).toEqual([]);
  });
});
