import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Command } from 'commander';
import { deployWorkflowId, type DeployProgress } from '../../core/workflow-contracts.ts';
import { queryProgress } from '../follow.ts';
import { resolveApp } from '../../core/config.ts';
import { cloudflareClient, cloudflareFailure } from '../cloudflare.ts';
import { CliError, EXIT, println, type CliIo } from '../io.ts';
import { readAppState, type AppKvState } from '../kv-read.ts';
import { configOption, defineCommand } from '../command.ts';
import { z } from 'zod';
import { describeStep, nameWidth, STATUS_SYMBOL } from '../render/steps.ts';
import { loadSettings } from '../settings.ts';
import { connectTemporal, resolveTarget, webUiLink, type Target } from '../target.ts';
import { defaultApp } from './metadata.ts';

/** The deploy or rollback running for an app, if any. */
export interface RunningWorkflow {
  workflowId: string;
  runId: string;
  type: string;
  webUi: string | null;
  progress: DeployProgress | null;
}

/** Describes `deploy-<app>` and, when it runs, asks it for its progress. */
export async function runningWorkflow(client: Client, target: Target, app: string): Promise<RunningWorkflow | null> {
  const handle = client.workflow.getHandle(deployWorkflowId(app));
  try {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') return null;
    // Unanswered (no worker, or no workflow task yet): the run is still reported.
    const progress = await queryProgress(client, handle);
    return { workflowId: description.workflowId, runId: description.runId, type: description.type, webUi: webUiLink(target, description.workflowId, description.runId) ?? null, progress };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

/** The command's flags, as commander hands them over. */
const statusFlags = z.object({
  app: z.string().optional(),
  json: z.boolean().optional(),
  config: z.string().optional(),
});

export const statusCommand = defineCommand({
  flags: statusFlags,
  name: 'status',
  summary: 'Show the live version, the versions with their states, and the running deploy\'s progress',
  configure(command: Command) {
    command
      .option('--app <name>', 'the app (default: the only configured app; embedded: app123)')
      .option('--json', 'print one JSON object on stdout and nothing else')
      .addOption(configOption());
  },
  async run(options, io: CliIo) {
    const flags = options as { app?: string; json?: boolean; config?: string };
    const settings = loadSettings(io, flags);
    const app = defaultApp(flags.app, settings.mode === 'embedded' ? 'embedded' : Object.keys(settings.config.apps));
    const target = await resolveTarget(io, settings, 'status');
    let hostname: string;
    try {
      hostname = resolveApp(target.config, app, { allowUnlisted: target.mode === 'embedded' }).hostname;
    } catch (err) {
      throw new CliError((err as Error & { problems?: string[] }).problems ?? [(err as Error).message]);
    }
    let kv: AppKvState;
    try {
      kv = await readAppState(cloudflareClient(target.token, target.config.apiBaseUrl), target.config.accountId, target.config.kvNamespaceId, app);
    } catch (err) {
      throw cloudflareFailure(err, `reading ${app}'s records from KV`);
    }
    const temporal = await connectTemporal(target);
    let running: RunningWorkflow | null;
    try {
      running = await runningWorkflow(temporal.client, target, app);
    } finally {
      await temporal.close();
    }
    const url = `https://${hostname}/`;
    if (flags.json) {
      io.stdout.write(`${JSON.stringify({
        app,
        url,
        live: kv.active && { version: kv.active.version, activatedAt: kv.active.activatedAt, activatedBy: kv.active.activatedBy, previousVersion: kv.active.previousVersion },
        versions: kv.versions,
        running,
        problems: kv.problems,
      })}\n`);
      return EXIT.OK;
    }
    const out = io.stdout;
    println(out, kv.active ? `${app}: live ${kv.active.version} since ${kv.active.activatedAt} (by ${kv.active.activatedBy}) at ${url}` : `${app}: nothing live yet (${url})`);
    if (target.edgeUrl) println(out, `  locally: curl -H 'host: ${hostname}' ${target.edgeUrl}/`);
    for (const problem of kv.problems) println(io.stderr, `warning: ${problem}`);
    if (kv.versions.length > 0) {
      println(out, 'Versions (newest last):');
      for (const v of kv.versions) {
        println(out, `  ${v.version.padEnd(22)} ${v.state.padEnd(8)} ${v.updatedAt}${v.deploymentId ? `  deployment ${v.deploymentId}` : ''}${v.reason ? `  — ${v.reason}` : ''}`);
      }
    }
    if (!running) {
      println(out, 'No deploy is running.');
      return EXIT.OK;
    }
    const p = running.progress;
    println(out, `Running: ${running.type} ${running.workflowId}${p ? ` — ${p.version}, ${p.status}${p.currentStep ? `, step ${p.currentStep}` : ''}` : ''}`);
    if (p) {
      const width = nameWidth(p.steps);
      for (const step of p.steps) println(out, `  ${STATUS_SYMBOL[step.status]} ${step.name.padEnd(width)} ${step.status === 'pending' ? '' : describeStep(step, Date.now())}`.trimEnd());
    }
    if (running.webUi) println(out, `Web UI: ${running.webUi}`);
    return EXIT.OK;
  },
});
