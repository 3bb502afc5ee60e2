// The Workers row keeps Cloudflare's own idea of "deployed" equal to what the router serves: when
// a flip makes a Worker version live, the script's deployment moves to it at 100 %. Cloudflare
// keeps the versions its deployments name (and the 100 most recent), so the live version can never
// age out from under the router, and `<script>.<subdomain>.workers.dev` (the DNS target) serves it.
import { ApplicationFailure } from '@temporalio/activity';
import { NOT_RETRYABLE } from '../core/failures.ts';
import type { Ctx } from './context.ts';
import { listItems, type NumberedPage } from './paging.ts';

/** `https://<first 8 hex of the version id>-<script>.<subdomain>.workers.dev[/...]`: a Version URL. */
const VERSION_URL = /^https:\/\/([0-9a-f]{8})-([a-z0-9][a-z0-9_-]*)\.([a-z0-9-]+)\.workers\.dev(?:[/?#]|$)/;

/** The script and version-id prefix a live target names, when it is a Worker's Version URL. */
export function workerVersionOf(target: string): { prefix: string; script: string } | null {
  const m = VERSION_URL.exec(target);
  return m ? { prefix: m[1]!, script: m[2]! } : null;
}

/**
 * The versions the script's newest deployment serves, with their shares (empty: no deployment).
 * The answer is `result.deployments`, not the `result.items` the SDK's page type walks: the page itself is read.
 */
export async function servingVersions(ctx: Ctx, accountId: string, script: string): Promise<{ version_id: string; percentage: number }[]> {
  const page = (await ctx.call(`workers.scripts.deployments.list ${script}`, () =>
    ctx.cf.workers.scripts.deployments.list(script, { account_id: accountId }),
  )) as unknown as { result?: { deployments?: { versions: { version_id: string; percentage: number }[] }[] } };
  return page.result?.deployments?.[0]?.versions ?? [];
}

/**
 * Deploys the Worker version `target` names at 100 % (a no-op for any other target, and when it
 * already serves all of the script's traffic). `label` (`<app>@<version>`) annotates the deployment.
 */
export async function deployLiveWorker(ctx: Ctx, accountId: string, target: string, label: string): Promise<void> {
  const ref = workerVersionOf(target);
  if (!ref) return;
  const { script, prefix } = ref;
  const serving = await servingVersions(ctx, accountId, script);
  if (serving.length === 1 && serving[0]!.percentage === 100 && serving[0]!.version_id.replaceAll('-', '').startsWith(prefix)) return;
  const versionId = await versionIdFor(ctx, accountId, script, prefix);
  await ctx.call(`workers.scripts.deployments.create ${script}`, () =>
    ctx.cf.workers.scripts.deployments.create(script, {
      account_id: accountId,
      strategy: 'percentage',
      versions: [{ version_id: versionId, percentage: 100 }],
      annotations: { 'workers/message': `nextdeploy live ${label}` },
    }),
  );
  ctx.log('worker deployment moved to the live version', { script, versionId, label });
}

/** The full id of the script's version whose id starts with `prefix` (newest versions first). */
async function versionIdFor(ctx: Ctx, accountId: string, script: string, prefix: string): Promise<string> {
  const id = await ctx.call(`workers.scripts.versions.list ${script}`, async () => {
    const versions = ctx.cf.workers.scripts.versions.list(script, { account_id: accountId, per_page: 100 }) as unknown as PromiseLike<NumberedPage<{ id: string }>>;
    for await (const v of listItems(versions)) if (v.id.replaceAll('-', '').startsWith(prefix)) return v.id;
    return null;
  });
  if (id) return id;
  // A version the route record pins must exist: it was uploaded before its record was written.
  throw ApplicationFailure.nonRetryable(`script ${script} has no version starting ${prefix}; Cloudflare keeps the 100 most recent versions and those its deployments name`, NOT_RETRYABLE.NOT_FOUND);
}
