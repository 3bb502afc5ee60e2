import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ApiTokenError, readApiToken, type ApiToken } from '../core/api-token.ts';
import { CONFIG_FILE_NAME, ConfigError, envOverrides, mergeLayers, parseConfig, type NextdeployConfig } from '../core/config.ts';
import { LOCAL_ACCOUNT_ID, LOCAL_ZONE_ID, LOCAL_ZONE_NAME } from '../cf-local/constants.ts';
import { EMBEDDED_PAGES_PROJECT } from '../devstack/stack-file.ts';
import { CliError, EXIT, println, type CliIo } from './io.ts';

/**
 * Where the commands deploy:
 * - `configured`: a config file, or a token with the settings in environment variables;
 * - `embedded`: a fresh clone (no config file, no token): the local stack and the example app.
 */
export type Settings =
  | { mode: 'configured'; config: NextdeployConfig; source: string; token: ApiToken | undefined; envUsed: string[] }
  | { mode: 'embedded'; layers: Record<string, unknown>; envUsed: string[] };

/** Flags that every command accepts for configuration. */
export interface ConfigFlags {
  config?: string;
}

function readConfigFile(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = /position (\d+)/.exec(message);
    let where = '';
    if (at) {
      const before = text.slice(0, Number(at[1]));
      where = ` at line ${before.split('\n').length}, column ${before.length - before.lastIndexOf('\n')}`;
    }
    throw new CliError([`${file}: not valid JSON${where} (${message}); fix the syntax (run \`npm run init\` for a template)`]);
  }
}

/**
 * Reads configuration in order file → environment → flags (later wins) and the token from
 * `CLOUDFLARE_API_TOKEN`/`_FILE`. Throws {@link CliError} naming the field and the fix.
 */
export function loadSettings(io: CliIo, flags: ConfigFlags, flagLayer: Record<string, unknown> = {}): Settings {
  const explicit = flags.config ?? io.env.NEXTDEPLOY_CONFIG;
  const file = path.resolve(io.cwd, explicit ?? CONFIG_FILE_NAME);
  if (explicit && !existsSync(file)) {
    throw new CliError([`${flags.config ? '--config' : 'NEXTDEPLOY_CONFIG'}: ${file} does not exist; create it with \`npm run init\` or point at the right file`]);
  }
  let token: ApiToken | undefined;
  try {
    token = readApiToken(io.env);
  } catch (err) {
    if (err instanceof ApiTokenError) throw new CliError([err.message]);
    throw err;
  }
  const env = envOverrides(io.env);
  const hasFile = existsSync(file);
  if (!hasFile && !token) return { mode: 'embedded', layers: mergeLayers(env.raw, flagLayer), envUsed: env.used };
  const source = hasFile ? path.relative(io.cwd, file) || file : 'the environment (no nextdeploy.config.json)';
  try {
    const config = parseConfig(mergeLayers(hasFile ? readConfigFile(file) : {}, env.raw, flagLayer), source);
    return { mode: 'configured', config, source, token, envUsed: env.used };
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.problems);
    throw err;
  }
}

/** A configured run needs the token; a missing one stops it here, naming what to set. */
export function requireToken(settings: Settings & { mode: 'configured' }, command: string): ApiToken {
  if (settings.token) return settings.token;
  throw new CliError([
    `CLOUDFLARE_API_TOKEN is not set: ${settings.source} points at a real Cloudflare account, so ${command} needs an API token.`,
    'Set CLOUDFLARE_API_TOKEN, or CLOUDFLARE_API_TOKEN_FILE to a file holding it (Docker secrets, Vault agent, Doppler);',
    'then check it with `npm run validate-token`. (Without a config file and a token, the commands use the local Cloudflare.)',
  ], EXIT.USAGE);
}

/** What the embedded defaults need from the running local stack. */
export interface EmbeddedCloudflare {
  apiBaseUrl: string;
  kvNamespaceId: string;
}

/**
 * The configuration of the embedded defaults: the local Cloudflare's fixed account and zone,
 * the example app, short timeouts. Environment variables and flags still override it.
 */
export function embeddedConfig(settings: Settings & { mode: 'embedded' }, local: EmbeddedCloudflare): NextdeployConfig {
  const base = {
    accountId: LOCAL_ACCOUNT_ID,
    zoneId: LOCAL_ZONE_ID,
    baseDomain: LOCAL_ZONE_NAME,
    pagesProject: EMBEDDED_PAGES_PROJECT,
    kvNamespaceId: local.kvNamespaceId,
    apiBaseUrl: local.apiBaseUrl,
    checkPaths: ['/', '/about'],
    timeouts: { pagesDeploymentSeconds: 120, customDomainSeconds: 120, bakeSeconds: 3, checkSeconds: 5 },
  };
  try {
    return parseConfig(mergeLayers(base, settings.layers), 'the embedded defaults');
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.problems);
    throw err;
  }
}

/** The one visible line that says a run uses the embedded defaults (stderr: `--json` keeps stdout clean). */
export function announceEmbedded(io: CliIo): void {
  println(
    io.stderr,
    'Embedded defaults: no nextdeploy.config.json and no CLOUDFLARE_API_TOKEN, so this uses the local Cloudflare (*.apps.nextdeploy.test) and the example apps (examples/fullstack-app on Workers; --target pages: examples/next-app on Pages).',
  );
}
