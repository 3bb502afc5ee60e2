/**
 * `npm run cf-local`: the local Cloudflare for a person. State in `.nextdeploy/cf-local/` (so it
 * survives a restart); prints what to point clients at; Ctrl-C stops.
 *
 * Environment: CF_LOCAL_TOKEN (the accepted token), CF_LOCAL_API_PORT (default 8790),
 * CF_LOCAL_EDGE_PORT (default 8791), CF_LOCAL_BUILD_STEP_MS (default 1500),
 * CF_LOCAL_DOMAIN_ACTIVATION_MS (default 10000), NEXTDEPLOY_STATE_DIR (moves `.nextdeploy`).
 */
import path from 'node:path';
import { stateDir } from '../devstack/paths.ts';
import { startLocalCloudflare } from './index.ts';

function intEnv(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number.parseInt(v, 10);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative integer (got ${JSON.stringify(v)})`);
  return n;
}

async function main(): Promise<void> {
  const dir = path.join(stateDir(), 'cf-local');
  const apiPort = intEnv('CF_LOCAL_API_PORT', 8790);
  const edgePort = intEnv('CF_LOCAL_EDGE_PORT', 8791);
  let cf;
  try {
    cf = await startLocalCloudflare({
      stateDir: dir,
      apiPort,
      edgePort,
      timing: { buildStepMs: intEnv('CF_LOCAL_BUILD_STEP_MS', 1500), domainActivationMs: intEnv('CF_LOCAL_DOMAIN_ACTIVATION_MS', 10_000) },
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(`cf-local: port ${apiPort} or ${edgePort} is in use; set CF_LOCAL_API_PORT / CF_LOCAL_EDGE_PORT (0 picks a free one).`);
      process.exit(1);
    }
    throw err;
  }
  const lines = [
    'Local Cloudflare is running.',
    '',
    `  API base URL   ${cf.apiBaseUrl}`,
    `  account id     ${cf.accountId}   (nextdeploy local)`,
    `  zone           ${cf.zone.name}   ${cf.zone.id}   (active)`,
    `  token          ${cf.token}   (every permission)`,
    `  edge           ${cf.edgeUrl}   (send the site's hostname as Host: <project>.pages.dev, <short_id>.<project>.pages.dev, a custom domain)`,
    `  control        ${cf.controlUrl}   (faults, scenarios, mutation log, reset)`,
    `  state          ${dir}`,
    '',
    'Point clients at it:',
    `  export CLOUDFLARE_API_BASE_URL=${cf.apiBaseUrl}   # wrangler`,
    `  export CLOUDFLARE_BASE_URL=${cf.apiBaseUrl}       # the cloudflare SDK`,
    `  export CLOUDFLARE_API_TOKEN=${cf.token}`,
    `  export CLOUDFLARE_ACCOUNT_ID=${cf.accountId}`,
    '',
    'Ctrl-C stops it.',
  ];
  console.log(lines.join('\n'));
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\ncf-local: stopping…');
    await cf.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error('cf-local:', err);
  process.exit(1);
});
