import { activities, UNDO } from './activity-options.ts';
import type { DeployPlan, DeployRun } from './deploy-run.ts';
import { withFailureType } from './failures.ts';
import { stepOf } from './runbook.ts';

const step = stepOf<DeployRun, DeployPlan>();

/**
 * 4w, the Workers row with Cloudflare-native routing: the hostname becomes the Worker's own
 * Workers Custom Domain (Cloudflare makes its DNS record and certificate), and the script's
 * deployment, moved at the flip, picks the version. The compensation goes in first, from what
 * preflight saw: an attach that timed out may still have landed.
 */
export const workerDomain = step({
  name: 'worker-domain',
  when: (d) => d.native || 'routed by the router (or a Pages deploy)',
  undoFirst: () => [
    {
      name: 'restore-worker-domain',
      run: (d) =>
        d.preflight.workerDomain === undefined
          ? Promise.resolve()
          : activities.restoreWorkerDomain.executeWithOptions({ ...UNDO, summary: `restore the Workers custom domain ${d.input.hostname}` }, [
              { ...d.workerDomainArgs, previous: d.preflight.workerDomain },
            ]),
    },
  ],
  run: (d) =>
    withFailureType(activities.attachWorkerDomain.executeWithOptions({ summary: `${d.input.hostname} → Worker ${d.workers!.script}` }, [d.workerDomainArgs])),
  describe: (a, d) => `${d.input.hostname}: ${a.status} (custom domain ${a.id})`,
});
