import type { Command } from 'commander';
import { describeMissing } from '../../core/token-permissions.ts';
import { cloudflareClient, cloudflareFailure } from '../cloudflare.ts';
import { CliError, EXIT, println, type CliIo } from '../io.ts';
import { configOption, defineCommand } from '../command.ts';
import { z } from 'zod';
import { announceEmbedded, loadSettings, requireToken } from '../settings.ts';
import { ensureStack, localToken } from '../stack.ts';
import { checkToken, formatTable, introspectToken, permissionTable } from '../token-check.ts';

/** The command's flags, as commander hands them over. */
const validateFlags = z.object({
  json: z.boolean().optional(),
  git: z.boolean().optional(),
  dns: z.boolean().optional(),
  customDomain: z.boolean().optional(),
  router: z.boolean().optional(),
  config: z.string().optional(),
});
type ValidateFlags = z.infer<typeof validateFlags>;

export const validateTokenCommand = defineCommand({
  flags: validateFlags,
  name: 'validate-token',
  summary: 'Check that the API token holds every permission a deploy needs (Pages, DNS, KV, Workers, zone read)',
  configure(command: Command) {
    command
      .option('--json', 'print the result as JSON on stdout and nothing else')
      .option('--git', 'deploys build from a git branch (default: Direct Upload of a build folder)')
      .option('--no-dns', 'deploys do not manage the DNS record')
      .option('--no-custom-domain', 'deploys do not attach the Pages custom domain')
      .option('--no-router', 'skip the permissions of deploying the router Worker (init --deploy-router)')
      .addOption(configOption())
      .addHelpText('after', '\nThe token comes from CLOUDFLARE_API_TOKEN or CLOUDFLARE_API_TOKEN_FILE; it needs "API Tokens Read"\n(User → API Tokens → Read) to read its own permissions. Exit 0 when nothing is missing, 1 otherwise.');
  },
  async run(flags, io: CliIo) {
    const settings = loadSettings(io, flags);
    let token: string;
    let apiBaseUrl: string | undefined;
    if (settings.mode === 'embedded') {
      announceEmbedded(io);
      const stack = await ensureStack(io, 'local');
      token = localToken();
      apiBaseUrl = stack.cloudflare!.apiBaseUrl;
    } else {
      token = requireToken(settings, 'validate-token').value;
      apiBaseUrl = settings.config.apiBaseUrl;
    }
    const permissionOptions = { source: flags.git ? 'git' : 'direct-upload', dns: flags.dns !== false, customDomain: flags.customDomain !== false, routerDeploy: flags.router !== false } as const;
    const client = cloudflareClient(token, apiBaseUrl);
    let found;
    try {
      found = await introspectToken(client);
    } catch (err) {
      throw cloudflareFailure(err, 'verifying the token');
    }
    if (found.kind === 'invalid') throw new CliError([`${found.message}; create a new one and set CLOUDFLARE_API_TOKEN (or CLOUDFLARE_API_TOKEN_FILE)`], EXIT.FAILED);
    if (found.kind === 'cannot-read-policies') {
      throw new CliError([
        `The token ${found.id} is ${found.status}, but it may not read its own permissions, so they cannot be checked.`,
        'Add "API Tokens Read" (dashboard: User → API Tokens → Read) to the token, or compare it by hand with the list in client/README.md.',
      ], EXIT.FAILED);
    }
    const rows = permissionTable(found.groups, permissionOptions);
    const result = checkToken(found.groups, permissionOptions);
    if (flags.json) {
      io.stdout.write(`${JSON.stringify({ ok: result.ok, tokenId: found.id, status: found.status, permissions: rows, missing: result.missing })}\n`);
    } else {
      println(io.stdout, `Token ${found.id}: ${found.status}`);
      for (const line of formatTable(rows)) println(io.stdout, line);
      println(io.stdout);
      for (const line of describeMissing(result)) println(result.ok ? io.stdout : io.stderr, line);
    }
    return result.ok ? EXIT.OK : EXIT.FAILED;
  },
});
