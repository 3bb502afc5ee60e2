import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { readApiToken } from '../../core/api-token.ts';
import { isCloudflareId } from '../../core/identifiers.ts';
import { CONFIG_FILE_NAME, envOverrides, mergeLayers, timeoutsSchema } from '../../core/config.ts';
import { stateDir } from '../../devstack/paths.ts';
import { readOrCreateSecret, stackPaths } from '../../devstack/stack-file.ts';
import { cloudflareClient, cloudflareFailure } from '../cloudflare.ts';
import { ensureKvNamespace, KV_NAMESPACE_TITLE, deployRouter } from '../../router-worker/provision.ts';
import { CliError, EXIT, println, type CliIo } from '../io.ts';
import { configOption, defineCommand } from '../command.ts';
import { z } from 'zod';
import { routerWranglerConfig, ROUTER_CONFIG_FILE } from '../../router-worker/provision-config.ts';
import { announceEmbedded } from '../settings.ts';

/** Lines `init` makes sure `.gitignore` has: local state, the config, secrets files. */
export const GITIGNORE_LINES = ['.nextdeploy/', CONFIG_FILE_NAME, 'nextdeploy.secrets.*', '.env', '.env.*'];

/** The command's flags, as commander hands them over. */
const initFlags = z.object({
  config: z.string().optional(),
  kvTitle: z.string().optional(),
  deployRouter: z.boolean().optional(),
  json: z.boolean().optional(),
});
type InitFlags = z.infer<typeof initFlags>;

type FileOutcome = 'created' | 'updated' | 'unchanged';

/** Writes only when the content differs, so a second run leaves every file (and its mtime) alone. */
function writeIfChanged(file: string, content: string): FileOutcome {
  if (!existsSync(file)) {
    writeFileSync(file, content);
    return 'created';
  }
  if (readFileSync(file, 'utf8') === content) return 'unchanged';
  writeFileSync(file, content);
  return 'updated';
}

function readJsonFile(file: string): Record<string, unknown> {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8'));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw new CliError([`${file}: ${(err as Error).message}; fix it or move it away and run init again`]);
  }
}

function ensureGitignore(dir: string): FileOutcome {
  const file = path.join(dir, '.gitignore');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const have = new Set(current.split('\n').map((l) => l.trim()));
  const missing = GITIGNORE_LINES.filter((l) => !have.has(l) && !have.has(`/${l}`));
  if (missing.length === 0) return 'unchanged';
  const prefix = current === '' || current.endsWith('\n') ? current : `${current}\n`;
  return writeIfChanged(file, `${prefix}# nextdeploy: local state, configuration and secrets stay out of git\n${missing.join('\n')}\n`);
}

export const initCommand = defineCommand({
  flags: initFlags,
  name: 'init',
  summary: 'Set up an account: create the KV namespace if absent, write the config template and the router\'s wrangler config, git-ignore config and secrets',
  configure(command: Command) {
    command
      .option('--kv-title <title>', `title of the KV namespace holding the route table (default ${KV_NAMESPACE_TITLE})`)
      .option('--deploy-router', 'also deploy the router Worker and its route (*.apps.<base domain>/*)')
      .option('--json', 'print what was done as JSON on stdout and nothing else')
      .addOption(configOption())
      .addHelpText('after', '\nNeeds CLOUDFLARE_API_TOKEN (or _FILE) and the account id (CLOUDFLARE_ACCOUNT_ID or the config file).\nRunning it again changes nothing.');
  },
  async run(flags, io: CliIo) {
    const configFile = path.resolve(io.cwd, flags.config ?? io.env.NEXTDEPLOY_CONFIG ?? CONFIG_FILE_NAME);
    const dir = path.dirname(configFile);
    const token = readApiToken(io.env);
    const hasFile = existsSync(configFile);
    if (!token && !hasFile) {
      announceEmbedded(io);
      println(io.stdout, 'Nothing to initialise: the embedded stack creates its own KV namespace and router.');
      println(io.stdout, 'To set up a Cloudflare account: CLOUDFLARE_API_TOKEN=... CLOUDFLARE_ACCOUNT_ID=... npm run init');
      return EXIT.OK;
    }
    if (!token) {
      throw new CliError([`CLOUDFLARE_API_TOKEN is not set: init creates the KV namespace in the account ${path.basename(configFile)} names, so it needs an API token.`, 'Set CLOUDFLARE_API_TOKEN, or CLOUDFLARE_API_TOKEN_FILE to a file holding it.']);
    }
    const file = hasFile ? readJsonFile(configFile) : {};
    const layers = mergeLayers(file, envOverrides(io.env).raw);
    const accountId = typeof layers.accountId === 'string' ? layers.accountId : undefined;
    if (!isCloudflareId(accountId)) {
      throw new CliError([`accountId: ${accountId ? 'must be the 32-hex-character account id' : 'missing'} (set it in ${path.basename(configFile)} or with CLOUDFLARE_ACCOUNT_ID)`]);
    }
    const apiBaseUrl = typeof layers.apiBaseUrl === 'string' ? layers.apiBaseUrl : undefined;
    const client = cloudflareClient(token, apiBaseUrl);
    const out = flags.json ? io.stderr : io.stdout;

    let kv: { id: string; created: boolean };
    try {
      const known = typeof file.kvNamespaceId === 'string' ? file.kvNamespaceId : undefined;
      const exists = known ? await client.kv.namespaces.get(known, { account_id: accountId }).then(() => true, (err) => ((err as { status?: number }).status === 404 ? false : Promise.reject(err))) : false;
      kv = exists ? { id: known!, created: false } : await ensureKvNamespace(client, accountId, flags.kvTitle ?? KV_NAMESPACE_TITLE);
    } catch (err) {
      throw cloudflareFailure(err, 'finding or creating the KV namespace');
    }
    println(out, `KV namespace: ${kv.id} (${kv.created ? 'created' : 'already there'})`);

    // The template: what is known, and placeholders that fail validation naming the field to fill in.
    const template = {
      accountId,
      zoneId: layers.zoneId ?? 'REPLACE with the zone id (dashboard → your domain → Overview → Zone ID)',
      baseDomain: layers.baseDomain ?? 'REPLACE with your domain, e.g. example.com',
      pagesProject: layers.pagesProject ?? 'my-next-app',
      ...(apiBaseUrl ? { apiBaseUrl } : {}),
      checkPaths: ['/'],
      timeouts: timeoutsSchema.parse({}),
      apps: { app123: { buildDir: 'out', nextDir: '.next' } },
    };
    const next: Record<string, unknown> = hasFile ? { ...file, kvNamespaceId: kv.id } : { ...template, kvNamespaceId: kv.id };
    const configOutcome = writeIfChanged(configFile, `${JSON.stringify(next, null, 2)}\n`);
    println(out, `${path.relative(io.cwd, configFile) || configFile}: ${configOutcome} (no secrets: the token stays in CLOUDFLARE_API_TOKEN)`);

    const routerFile = path.join(dir, ROUTER_CONFIG_FILE);
    const routerOutcome = writeIfChanged(routerFile, routerWranglerConfig(dir, { accountId, kvNamespaceId: kv.id, zoneId: layers.zoneId, baseDomain: layers.baseDomain }));
    println(out, `${path.relative(io.cwd, routerFile)}: ${routerOutcome} (deploy the router with: npx wrangler deploy -c ${path.relative(io.cwd, routerFile)})`);

    const ignoreOutcome = ensureGitignore(dir);
    println(out, `.gitignore: ${ignoreOutcome} (ignores ${GITIGNORE_LINES.join(', ')})`);

    let router: Awaited<ReturnType<typeof deployRouter>> | undefined;
    if (flags.deployRouter) {
      const zoneId = isCloudflareId(layers.zoneId) ? layers.zoneId : undefined;
      const baseDomain = typeof layers.baseDomain === 'string' && !layers.baseDomain.startsWith('REPLACE') ? layers.baseDomain : undefined;
      if (!zoneId || !baseDomain) throw new CliError([`--deploy-router needs zoneId and baseDomain; fill them in ${path.basename(configFile)} and run init again`]);
      try {
        router = await deployRouter(client, {
          accountId,
          zoneId,
          kvNamespaceId: kv.id,
          appsDomain: `apps.${baseDomain}`,
          adminToken: readOrCreateSecret(stackPaths(stateDir()).routerAdminToken),
        });
      } catch (err) {
        throw cloudflareFailure(err, 'deploying the router');
      }
      println(out, `Router: script ${router.script}, route ${router.pattern} ${router.route}`);
    }
    if (flags.json) {
      io.stdout.write(`${JSON.stringify({ kvNamespace: kv, config: configOutcome, routerConfig: routerOutcome, gitignore: ignoreOutcome, router: router ?? null })}\n`);
    }
    return EXIT.OK;
  },
});
