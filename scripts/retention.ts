// `npm run retention -- --app app123 --account-id … --kv-namespace-id … --pages-project … [--keep 10] [--every 1d] [--now]`
// Creates (or updates) the Temporal Schedule `retention-<app>` that prunes old versions and Pages
// deployments. Temporal comes from TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / API key or mTLS
// (core/temporal-connection.ts); without TEMPORAL_ADDRESS, the local dev server on 127.0.0.1:7233.
import { Command } from 'commander';
import { Client, Connection } from '@temporalio/client';
import { temporalTargetFromEnv } from '../core/temporal-connection.ts';
import { ensureRetentionSchedule } from '../workflows/retention-schedule.ts';

const program = new Command('retention')
  .requiredOption('--app <app>', 'app name')
  .requiredOption('--account-id <id>', 'Cloudflare account id (32 hex)')
  .requiredOption('--kv-namespace-id <id>', 'routes KV namespace id (32 hex)')
  .requiredOption('--pages-project <name>', "the app's Pages project")
  .option('--keep <n>', 'versions and deployments to keep besides live and previous', '10')
  .option('--every <duration>', 'how often it runs (Temporal duration: 1d, 6h)', '1d')
  .option('--min-age <duration-ms>', 'never prune deployments younger than this many ms', String(24 * 60 * 60 * 1000))
  .option('--task-queue <name>', 'task queue of the workers', process.env.NEXTDEPLOY_TASK_QUEUE ?? 'nextdeploy')
  .option('--now', 'also run once right away')
  .parse();

const o = program.opts<{ app: string; accountId: string; kvNamespaceId: string; pagesProject: string; keep: string; every: string; minAge: string; taskQueue: string; now?: boolean }>();

async function main(): Promise<void> {
  const target = temporalTargetFromEnv();
  const connection = await Connection.connect(target.connection ?? { address: '127.0.0.1:7233' });
  try {
    const client = new Client({ connection, namespace: target.namespace });
    const { scheduleId, created } = await ensureRetentionSchedule(
      client,
      { app: o.app, accountId: o.accountId, kvNamespaceId: o.kvNamespaceId, pagesProject: o.pagesProject, keep: Number(o.keep), minAgeMs: Number(o.minAge) },
      { every: o.every, taskQueue: o.taskQueue, runNow: Boolean(o.now) },
    );
    console.log(`${created ? 'created' : 'updated'} schedule ${scheduleId}: every ${o.every}, keep ${o.keep}${o.now ? ', running once now' : ''}`);
    console.log(`  temporal schedule describe --schedule-id ${scheduleId}`);
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(`retention: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
