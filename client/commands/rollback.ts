import type { Command } from 'commander';
import { resolveApp } from '../../core/config.ts';
import { versionSchema } from '../../core/metadata.ts';
import { APP_SEARCH_ATTRIBUTE, DEPLOY_VERSION_SEARCH_ATTRIBUTE } from '../../core/search-attributes.ts';
import { DEPLOY_WORKFLOW_TYPE, ROLLBACK_WORKFLOW_TYPE, rollbackSignal, rollbackWorkflowId, TASK_QUEUE, type RollbackInput } from '../../core/workflow-contracts.ts';
import { EXIT_INTERRUPTED, followWorkflow, rendererFor } from '../follow.ts';
import { CliError, EXIT, println, type CliIo } from '../io.ts';
import { liveVersionFromKv } from '../kv-read.ts';
import { configOption, defineCommand } from '../command.ts';
import { z } from 'zod';
import { loadSettings } from '../settings.ts';
import { connectTemporal, resolveTarget, webUiLink } from '../target.ts';
import { defaultApp } from './metadata.ts';
import { runningWorkflow } from './status.ts';

/** The command's flags, as commander hands them over. */
const rollbackFlags = z.object({
  app: z.string().optional(),
  to: z.string().optional(),
  reason: z.string().optional(),
  json: z.boolean().optional(),
  config: z.string().optional(),
});
type RollbackFlags = z.infer<typeof rollbackFlags>;

export const rollbackCommand = defineCommand({
  flags: rollbackFlags,
  name: 'rollback',
  summary: 'Roll an app back: signal the running deploy, or flip to the previous (or --to) version',
  configure(command: Command) {
    command
      .option('--app <name>', 'the app (default: the only configured app; embedded: app123)')
      .option('--to <version>', 'the version to go back to (default: the one live before the current)')
      .option('--reason <text>', 'why, recorded in the versions list and the workflow history')
      .option('--json', 'print one JSON result on stdout and nothing else')
      .addOption(configOption())
      .addHelpText('after', '\nExit 0 when the rollback took effect, 1 when it did not (the result says why), 3 when a rollback already runs.');
  },
  async run(flags, io: CliIo) {
    const json = Boolean(flags.json);
    const out = json ? io.stderr : io.stdout;
    const settings = loadSettings(io, flags);
    const app = defaultApp(flags.app, settings.mode === 'embedded' ? 'embedded' : Object.keys(settings.config.apps));
    if (flags.to !== undefined && !versionSchema.safeParse(flags.to).success) {
      throw new CliError([`--to: ${versionSchema.safeParse(flags.to).error!.issues[0]!.message}`]);
    }
    if (flags.reason !== undefined && flags.reason.length > 500) throw new CliError(['--reason: at most 500 characters']);
    const target = await resolveTarget(io, settings, 'rollback');
    let resolved;
    try {
      resolved = resolveApp(target.config, app, { allowUnlisted: target.mode === 'embedded' });
    } catch (err) {
      throw new CliError((err as Error & { problems?: string[] }).problems ?? [(err as Error).message]);
    }
    const request = { reason: flags.reason ?? 'manual rollback from the CLI', ...(flags.to ? { toVersion: flags.to } : {}) };
    const temporal = await connectTemporal(target);
    try {
      const running = await runningWorkflow(temporal.client, target, app);
      let handle;
      let runId: string | undefined;
      let during = false;
      if (running && running.type === ROLLBACK_WORKFLOW_TYPE) {
        throw new CliError([`A rollback of ${app} is already running (workflow ${running.workflowId}); watch it with \`npm run status -- --app ${app}\`${running.webUi ? ` or ${running.webUi}` : ''}.`], EXIT.REFUSED);
      }
      if (running && running.type === DEPLOY_WORKFLOW_TYPE) {
        during = true;
        runId = running.runId;
        handle = temporal.client.workflow.getHandle(running.workflowId, running.runId);
        await handle.signal(rollbackSignal, request);
        println(out, `Sent rollback to the running deploy of ${app}${running.progress ? ` ${running.progress.version}` : ''} (workflow ${running.workflowId}); its saga undoes what it did.`);
      } else {
        const input: RollbackInput = {
          app,
          accountId: target.config.accountId,
          kvNamespaceId: target.config.kvNamespaceId,
          ...request,
          checks: {
            hostname: resolved.hostname,
            paths: resolved.checkPaths,
            // A natively routed Worker answers without the router's x-nextdeploy-version.
            expectVersionHeader: resolved.routing !== 'native',
            requestTimeoutMs: target.config.timeouts.checkSeconds * 1000,
            propagationWindowMs: target.mode === 'embedded' ? 30_000 : 90_000,
            retryIntervalMs: target.mode === 'embedded' ? 500 : 5_000,
          },
        };
        // Signal-with-start: if a deploy started meanwhile, it receives the rollback signal instead.
        handle = await temporal.client.workflow.signalWithStart(ROLLBACK_WORKFLOW_TYPE, {
          taskQueue: TASK_QUEUE,
          workflowId: rollbackWorkflowId(app),
          args: [input],
          signal: rollbackSignal,
          signalArgs: [request],
          typedSearchAttributes: [
            { key: APP_SEARCH_ATTRIBUTE, value: app },
            { key: DEPLOY_VERSION_SEARCH_ATTRIBUTE, value: flags.to ?? 'previous' },
          ],
        });
        runId = handle.signaledRunId;
        println(out, `Rolling back ${app}${flags.to ? ` to ${flags.to}` : ' to the previous version'} (workflow ${handle.workflowId}).`);
      }
      const link = webUiLink(target, handle.workflowId, runId);
      if (link) println(out, `Web UI: ${link}`);
      const outcome = await followWorkflow(temporal.client, handle, app, flags.to ?? '(previous)', rendererFor(out, json));
      if (outcome.interrupted) {
        println(io.stderr, `\nStopped watching; the rollback goes on in Temporal. Watch it: npm run status -- --app ${app}`);
        return EXIT_INTERRUPTED;
      }
      const { result } = outcome;
      // A refused or failed rollback reports no live version of its own: KV says what is served.
      if (result.status !== 'rolled_back') result.liveVersion = await liveVersionFromKv(target, app).catch(() => result.liveVersion);
      const tookEffect = result.status === 'rolled_back' || (result.status === 'failed' && during);
      if (json) {
        io.stdout.write(`${JSON.stringify({ app, status: result.status, liveVersion: result.liveVersion, version: result.version, reason: result.reason ?? null, failureType: result.failureType ?? null, workflowId: handle.workflowId, webUi: link ?? null, rolledBack: tookEffect })}\n`);
      } else {
        if (result.status === 'live' && during) println(out, `The deploy went live before the signal could stop it: ${result.version} is live. Run \`npm run rollback -- --app ${app}\` again to go back.`);
        else if (!tookEffect) println(out, `Rollback did not take effect${result.failureType ? ` [${result.failureType}]` : ''}: ${result.reason ?? 'no reason given'}`);
        println(out, `Live now: ${app} ${result.liveVersion ?? 'nothing'}`);
      }
      return tookEffect ? EXIT.OK : EXIT.FAILED;
    } finally {
      await temporal.close();
    }
  },
});
