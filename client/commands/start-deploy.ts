import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Command } from 'commander';
import { deployWorkflowId, type DeployProgress, type DeployResult } from '../../core/workflow-contracts.ts';
import { startDeployWorkflow } from '../../workflows/client.ts';
import { deployInputFor, planDeploy, type DeployFlags } from '../deploy-plan.ts';
import { liveVersionFromKv } from '../kv-read.ts';
import { EXIT_INTERRUPTED, followWorkflow, rendererFor } from '../follow.ts';
import { CliError, EXIT, println, type CliIo } from '../io.ts';
import { configOption, defineCommand } from '../command.ts';
import { z } from 'zod';
import { embeddedConfig, loadSettings } from '../settings.ts';
import { connectTemporal, resolveTarget, webUiLink, type Target } from '../target.ts';
import { LOCAL_ACCOUNT_ID } from '../../cf-local/constants.ts';
import { describeRunning } from './running.ts';

/** The command's flags, as commander hands them over. */
const startDeployFlags = z.object({
  app: z.string(),
  version: z.string().optional(),
  metadata: z.string().optional(),
  buildDir: z.string().optional(),
  branch: z.string().optional(),
  target: z.string().optional(),
  json: z.boolean().optional(),
  detach: z.boolean().optional(),
  config: z.string().optional(),
});
type StartDeployFlags = z.infer<typeof startDeployFlags>;

/** What `--json` prints: one object, and nothing else on stdout. */
export interface StartDeployJson {
  app: string;
  version: string;
  status: DeployResult['status'] | 'started';
  url: string;
  deploymentId: string | null;
  deploymentUrl: string | null;
  liveVersion: string | null;
  reason: string | null;
  failureType: string | null;
  workflowId: string;
  runId: string;
  webUi: string | null;
  steps: { name: string; status: string; startedAt: string | null; endedAt: string | null; durationMs: number | null; attempts: number; detail: string | null }[];
  compensations: DeployProgress['compensations'];
}

function stepsJson(progress: DeployProgress | undefined): StartDeployJson['steps'] {
  return (progress?.steps ?? []).map((s) => ({
    name: s.name,
    status: s.status,
    startedAt: s.startedAt,
    endedAt: s.endedAt,
    durationMs: s.startedAt && s.endedAt ? Date.parse(s.endedAt) - Date.parse(s.startedAt) : null,
    attempts: s.attempts,
    detail: s.detail,
  }));
}

/** How to reach the app: its hostname, and through the local edge when it is not in public DNS. */
export function appUrls(target: Target, hostname: string): { url: string; local: string | undefined } {
  return {
    url: `https://${hostname}/`,
    local: target.edgeUrl ? `curl -H 'host: ${hostname}' ${target.edgeUrl}/` : undefined,
  };
}

export const startDeployCommand = defineCommand({
  flags: startDeployFlags,
  name: 'start-deploy',
  summary: 'Deploy an app: start the deploy workflow and follow it until the new version is live (or rolled back)',
  configure(command: Command) {
    command
      .requiredOption('--app <name>', 'the app to deploy, e.g. app123')
      .option('--version <id>', 'version id (default: the metadata\'s, else from the clock)')
      .option('--metadata <file>', 'metadata.json to deploy (default: generated from the app\'s build)')
      .option('--build-dir <dir>', 'static folder to upload with Direct Upload (default: the app\'s buildDir)')
      .option('--branch <name>', 'git branch: with --build-dir the Pages branch, alone a git deployment')
      .option('--target <pages|workers>', 'where it runs: pages (a static export) or workers (a server: SSR, route handlers, middleware, server actions, ISR); default: the app\'s target, else from its build (embedded: the full-stack example on workers)')
      .option('--json', 'print one JSON result on stdout and nothing else')
      .option('--detach', 'return once the workflow has started')
      .addOption(configOption())
      .addHelpText('after', [
        '',
        'Exit codes: 0 live (or started, with --detach), 1 rolled back or failed, 2 bad flags/config/metadata,',
        '3 a deploy of the app is already running, 4 Temporal or Cloudflare unreachable, 130 Ctrl-C (the deploy goes on).',
        'On a fresh clone (no nextdeploy.config.json, no CLOUDFLARE_API_TOKEN) it builds the full-stack example',
        '(examples/fullstack-app, OpenNext) and deploys it to the local Cloudflare\'s Workers, starting the embedded',
        'stack in the background (stop it with `npm run stop`); --target pages deploys the static example instead.',
      ].join('\n'));
  },
  async run(flags, io: CliIo) {
    const json = Boolean(flags.json);
    const out = json ? io.stderr : io.stdout;
    const settings = loadSettings(io, flags);
    // Everything that can be checked without the stack is checked before anything starts.
    const preConfig = settings.mode === 'embedded'
      ? embeddedConfig(settings, { apiBaseUrl: 'http://127.0.0.1:1/client/v4', kvNamespaceId: LOCAL_ACCOUNT_ID })
      : settings.config;
    const plan = await planDeploy(io, settings, preConfig, flags, json);
    deployInputFor(plan, preConfig, settings.mode === 'embedded');

    const target = await resolveTarget(io, settings, 'start-deploy');
    const input = deployInputFor(plan, target.config, target.mode === 'embedded');
    const temporal = await connectTemporal(target);
    try {
      const workflowId = deployWorkflowId(input.app);
      let handle;
      try {
        handle = await startDeployWorkflow(temporal.client, input);
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) {
          throw new CliError(await describeRunning(temporal.client, target, input.app), EXIT.REFUSED);
        }
        throw err;
      }
      const link = webUiLink(target, workflowId, handle.firstExecutionRunId);
      const urls = appUrls(target, input.hostname);
      println(out, `Deploying ${input.app} ${input.version} (workflow ${workflowId})`);
      if (link) println(out, `Web UI: ${link}`);
      const base = { app: input.app, version: input.version, url: urls.url, workflowId, runId: handle.firstExecutionRunId, webUi: link ?? null };

      if (flags.detach) {
        if (json) {
          io.stdout.write(`${JSON.stringify({ ...base, status: 'started', deploymentId: null, deploymentUrl: null, liveVersion: null, reason: null, failureType: null, steps: [], compensations: [] } satisfies StartDeployJson)}\n`);
        } else {
          println(out, `Started; follow it with \`npm run status -- --app ${input.app}\`, roll it back with \`npm run rollback -- --app ${input.app}\`.`);
        }
        return EXIT.OK;
      }

      const outcome = await followWorkflow(temporal.client, handle, input.app, input.version, rendererFor(out, json));
      if (outcome.interrupted) {
        println(io.stderr, `\nStopped watching; the deploy goes on in Temporal. Watch it: npm run status -- --app ${input.app}; stop it: npm run rollback -- --app ${input.app}`);
        return EXIT_INTERRUPTED;
      }
      const { result, progress } = outcome;
      if (result.status !== 'live') {
        // A failed workflow reports no live version: KV says what the edge serves now.
        result.liveVersion = await liveVersionFromKv(target, input.app).catch(() => result.liveVersion);
      }
      if (json) {
        const body: StartDeployJson = {
          ...base,
          status: result.status,
          deploymentId: result.deployment?.id ?? null,
          deploymentUrl: result.deployment?.url ?? null,
          liveVersion: result.liveVersion,
          reason: result.reason ?? null,
          failureType: result.failureType ?? null,
          steps: stepsJson(progress),
          compensations: result.compensations,
        };
        io.stdout.write(`${JSON.stringify(body)}\n`);
      } else if (result.status === 'live') {
        const where = input.source.type === 'workers' ? 'Worker version' : 'Pages deployment';
        println(out, `Live: ${input.app} ${input.version} answers at ${urls.url}${result.deployment ? ` (${where} ${result.deployment.id}, ${result.deployment.url})` : ''}`);
        if (urls.local) println(out, `Locally: ${urls.local}`);
      } else {
        println(out, `${result.status === 'rolled_back' ? 'Rolled back' : 'Failed'}: ${input.app} ${input.version}${result.failureType ? ` [${result.failureType}]` : ''}: ${result.reason ?? 'no reason given'}`);
        println(out, `Live now: ${result.liveVersion ?? 'nothing'}`);
        if (link) println(out, `Details: ${link}`);
      }
      return result.status === 'live' ? EXIT.OK : EXIT.FAILED;
    } finally {
      await temporal.close();
    }
  },
});
