/**
 * Keeping a deploy inside one runbook step for a while: a slow Cloudflare call (a one-shot
 * latency fault, which still lands), failing synthetic checks at the edge proxy, or the bake
 * window. Shared by the crash and cancellation cases.
 */
import type { DeployInput } from '../core/deploy-input.ts';
import { kvKeys } from '../core/kv-records.ts';
import type { DeployStepName } from '../workflows/deploy-steps.ts';
import { hostFor } from './deploys.ts';
import type { FaultStack } from './harness.ts';

/** The KV bulk write every step that writes keys uses. */
export const KV_BULK = '/accounts/*/storage/kv/namespaces/*/bulk';

/** Installs the hold in `step` for the deploy of `input` (not yet started); returns how to lift it. */
export function holdInStep(stack: FaultStack, step: DeployStepName, input: DeployInput, holdMs: number): () => void {
  const { app, pagesProject: project } = input;
  const slow = (method: string, path: string, bodyIncludes?: string) => {
    const rule = stack.cf.addFault({ method, path, latencyMs: holdMs, count: 1, ...(bodyIncludes ? { bodyIncludes } : {}) });
    return () => void stack.cf.faults.remove(rule.id);
  };
  const both = (a: () => void, b: () => void) => () => (a(), b());
  switch (step) {
    case 'preflight':
      return slow('GET', `/accounts/*/storage/kv/namespaces/*/values/${app}*active`);
    case 'trigger':
      return slow('POST', `/accounts/*/pages/projects/${project}/deployments`);
    case 'upload-version': {
      if (input.source.type !== 'workers') throw new Error(`${app} deploys no Worker: upload-version never runs for it`);
      // The version itself: a Worker's first is a script upload (PUT), later ones a version create.
      const base = `/accounts/*/workers/scripts/${input.source.script}`;
      return both(slow('PUT', base), slow('POST', `${base}/versions`));
    }
    case 'build':
      return slow('GET', `/accounts/*/pages/projects/${project}/deployments/*`);
    case 'dns':
      // DNS paths do not name the record: the caller makes sure this deploy is the only one in
      // its DNS step while the hold is set. A new record is a POST, an existing one a PATCH.
      return both(slow('POST', '/zones/*/dns_records'), slow('PATCH', '/zones/*/dns_records/*'));
    case 'domain':
      // The attach is a POST even when the domain exists (Cloudflare then answers "already added").
      return slow('POST', `/accounts/*/pages/projects/${project}/domains`);
    case 'worker-domain':
      return slow('PUT', '/accounts/*/workers/domains');
    // Both steps write in one KV bulk call; the body names the keys (kvKeys in core/kv-records.ts).
    case 'kv-write':
      return slow('PUT', KV_BULK, `"${kvKeys.routes(app, '')}`);
    case 'flip':
      return slow('PUT', KV_BULK, `"${kvKeys.active(app)}"`);
    case 'checks':
      // Checks fail (503 at the edge proxy) until lifted; a long propagation window keeps them trying.
      stack.edge.rule(hostFor(app), { status: 503 });
      return () => stack.edge.rule(hostFor(app), undefined);
    case 'bake':
      return () => undefined; // the deploy's own bake window holds it
  }
}
