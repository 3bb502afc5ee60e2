// Safe for: worker, workflow (pure logic over the generated table)
/**
 * Which permission groups a deploy needs, step by step, and what a given token lacks. Pure logic
 * over the generated table (core/permissions.generated.ts, from Cloudflare's schema), so
 * `validate-token` and `start-deploy` refuse a deploy that would fail half-way for a missing
 * permission. Learning a real token's groups is the caller's job: `user.tokens.verify()` → id
 * → `user.tokens.get(id)` → `policies[].permission_groups[].name`.
 */
import { OPERATION_PERMISSIONS, type OperationPermission, type PermissionGroupName } from './permissions.generated.ts';
import { dashboardName } from './dashboard-permissions.ts';

/** The runbook's steps that call the Cloudflare API (docs/design.md "The runbook"). */
export const RUNBOOK_STEPS = [
  'preflight',
  'trigger-deployment',
  'poll-deployment',
  'dns',
  'custom-domain',
  'write-metadata',
  'flip-active',
  'router',
] as const;

/** One runbook step that talks to the Cloudflare API. */
export type RunbookStep = (typeof RUNBOOK_STEPS)[number];

/** What the operator reads for each step. */
export const STEP_TITLES: Readonly<Record<RunbookStep, string>> = {
  preflight: 'preflight (token, zone, current KV state)',
  'trigger-deployment': 'trigger the Pages deployment',
  'poll-deployment': 'poll the Pages deployment',
  dns: 'upsert the DNS CNAME (and undo it)',
  'custom-domain': 'attach the Pages custom domain (and detach it)',
  'write-metadata': 'write versioned route metadata to KV',
  'flip-active': "flip the app's active version in KV",
  router: 'deploy the router Worker (script, route, KV namespace)',
};

/** The options of one deploy that change which calls it makes. */
export interface DeployPermissionOptions {
  source: 'git' | 'direct-upload' | 'workers';
  dns: boolean;
  customDomain: boolean;
  /** Also deploy/initialise the router Worker. */
  routerDeploy?: boolean;
  /** A `workers` deploy's routing: `native` also attaches the hostname as the Worker's custom domain. */
  workersRouting?: 'router' | 'native';
}

/** One schema operation a step calls, with the groups that allow it (any one suffices). */
export interface RequiredOperation {
  operationId: string;
  /** `dns.records create`, or `METHOD /path` when the SDK has no method for it. */
  operation: string;
  anyOf: readonly PermissionGroupName[];
}

/** The operations one step calls. */
export interface StepRequirement {
  step: RunbookStep;
  operations: RequiredOperation[];
}

const BY_ID = new Map<string, OperationPermission>(OPERATION_PERMISSIONS.map((op) => [op.operationId, op]));

/** Every operationId a step may call, by the options that enable it. Checked against the table by test. */
function stepOperations(options: DeployPermissionOptions): [RunbookStep, string[]][] {
  const steps: [RunbookStep, string[]][] = [
    ['preflight', ['user-api-tokens-verify-token', 'zones-0-get', 'workers-kv-namespace-read-key-value-pair']],
    [
      'trigger-deployment',
      options.source === 'workers'
        ? [
            'worker-subdomain-get-subdomain',
            'worker-versions-list-versions',
            'worker-script-update-create-assets-upload-session',
            // Authorised by the upload session's JWT, not by a token group: listed so the step is complete.
            'worker-assets-upload',
            // A KV binding without an id gets the app's own namespace.
            'workers-kv-namespace-list-namespaces',
            'workers-kv-namespace-create-a-namespace',
            // The first version of a Worker is a script upload; later ones are version uploads.
            'worker-script-upload-worker-module',
            'worker-deployments-list-deployments',
            'worker-versions-upload-version',
            // Version URLs answer with previews on.
            'worker-script-get-subdomain',
            'worker-script-post-subdomain',
          ]
        : options.source === 'git'
        ? ['pages-deployment-create-deployment']
        : [
            'pages-project-get-upload-token',
            // Authorised by the upload JWT, not by a token group: listed so the step is complete.
            'pages-assets-check-missing',
            'pages-assets-upload',
            'pages-assets-upsert-hashes',
            'pages-deployment-create-deployment',
          ],
    ],
  ];
  // A Worker version is ready once uploaded: nothing to poll.
  if (options.source !== 'workers') steps.push(['poll-deployment', ['pages-deployment-get-deployment-info']]);
  if (options.dns) {
    steps.push([
      'dns',
      [
        'dns-records-for-a-zone-list-dns-records',
        'dns-records-for-a-zone-create-dns-record',
        'dns-records-for-a-zone-patch-dns-record',
        'dns-records-for-a-zone-delete-dns-record',
      ],
    ]);
  }
  if (options.customDomain) {
    steps.push(['custom-domain', ['pages-domains-add-domain', 'pages-domains-get-domain', 'pages-domains-delete-domain']]);
  }
  // Each step reads its keys in one bulk get and writes them in one bulk write; single-key calls
  // remain for the compensations (mark failed, remove the live record of a first deploy).
  const kv = [
    'workers-kv-namespace-get-multiple-key-value-pairs',
    'workers-kv-namespace-write-multiple-key-value-pairs',
    'workers-kv-namespace-write-key-value-pair-with-metadata',
    'workers-kv-namespace-read-key-value-pair',
    'workers-kv-namespace-delete-key-value-pair',
  ];
  // A Worker's flip also moves its Cloudflare deployment to the live version.
  const workerDeploy = options.source === 'workers' ? ['worker-deployments-list-deployments', 'worker-versions-list-versions', 'worker-deployments-create-deployment'] : [];
  steps.push(['write-metadata', kv], ['flip-active', [...kv, ...workerDeploy]]);
  if (options.source === 'workers' && options.workersRouting === 'native') {
    steps.push(['custom-domain', ['workers.domains.list', 'workers.domains.update', 'workers.domains.delete']]);
  }
  if (options.routerDeploy === true) {
    steps.push([
      'router',
      [
        'workers-kv-namespace-list-namespaces',
        'workers-kv-namespace-create-a-namespace',
        'worker-script-upload-worker-module',
        'worker-routes-list-routes',
        'worker-routes-create-route',
      ],
    ]);
  }
  return steps;
}

function describeOperation(op: OperationPermission): string {
  return op.sdk === null ? `${op.method} ${op.path}` : `${op.sdk.group} ${op.sdk.method}`;
}

/** Per step, the operations a deploy with these options calls and the groups allowing each. */
export function requiredPermissions(options: DeployPermissionOptions): StepRequirement[] {
  return stepOperations(options).map(([step, ids]) => ({
    step,
    operations: ids.map((id) => {
      const op = BY_ID.get(id);
      if (op === undefined) throw new Error(`operation ${id} is not in the schema`);
      return { operationId: id, operation: describeOperation(op), anyOf: op.permissionGroups };
    }),
  }));
}

/** One operation the token cannot perform. */
export interface MissingPermission {
  step: RunbookStep;
  operation: string;
  operationId: string;
  /** Any one of these groups would allow it. */
  anyOf: readonly PermissionGroupName[];
  /** The group to add: the one that unblocks the most missing operations of this deploy. */
  suggested: PermissionGroupName;
  /** The suggested group as the dashboard names it, e.g. "Zone → DNS → Edit". */
  dashboard: string;
}

/** The outcome of checking a token against a deploy's runbook. */
export interface TokenCheckResult {
  ok: boolean;
  missing: MissingPermission[];
}

/** Failure type for a token that cannot run the whole runbook. */
export const TOKEN_MISSING_PERMISSIONS = 'TOKEN_MISSING_PERMISSIONS';

function allows(held: ReadonlySet<string>, heldDashboard: ReadonlySet<string>, group: string): boolean {
  // The schema spells a few groups two ways ("Zone Zone Read" / "Zone Read"): one dashboard permission.
  const dash = dashboardName(group);
  return held.has(group) || (dash !== undefined && heldDashboard.has(dash));
}

/** Whether a token holding these groups may call one schema operation (by operationId). */
export function tokenAllows(heldGroups: readonly string[], operationId: string): boolean {
  const op = BY_ID.get(operationId);
  if (op === undefined) throw new Error(`operation ${operationId} is not in the schema`);
  const held = new Set(heldGroups);
  const heldDashboard = new Set(heldGroups.map((g) => dashboardName(g)).filter((d): d is string => d !== undefined));
  return op.permissionGroups.length === 0 || op.permissionGroups.some((g) => allows(held, heldDashboard, g));
}

/** Checks held permission-group names (as `GET /user/tokens/{id}` lists them) against a deploy. */
export function checkToken(heldGroups: readonly string[], options: DeployPermissionOptions): TokenCheckResult {
  const held = new Set(heldGroups);
  const heldDashboard = new Set(heldGroups.map((g) => dashboardName(g)).filter((d): d is string => d !== undefined));
  const blocked: { step: RunbookStep; op: RequiredOperation }[] = [];
  for (const { step, operations } of requiredPermissions(options)) {
    for (const op of operations) {
      if (op.anyOf.length === 0) continue;
      if (!op.anyOf.some((g) => allows(held, heldDashboard, g))) blocked.push({ step, op });
    }
  }
  // Suggest the group that unblocks the most; ties go to the schema's own order (least first).
  const coverage = new Map<string, number>();
  for (const { op } of blocked) for (const g of op.anyOf) coverage.set(g, (coverage.get(g) ?? 0) + 1);
  const missing = blocked.map(({ step, op }) => {
    let suggested = op.anyOf[0]!;
    for (const g of op.anyOf) if ((coverage.get(g) ?? 0) > (coverage.get(suggested) ?? 0)) suggested = g;
    return {
      step,
      operation: op.operation,
      operationId: op.operationId,
      anyOf: op.anyOf,
      suggested,
      dashboard: dashboardName(suggested) ?? suggested,
    };
  });
  return { ok: missing.length === 0, missing };
}

/** Human-readable lines: each group to add, named both ways, and the steps it unblocks. */
export function describeMissing(result: TokenCheckResult): string[] {
  if (result.ok) return ['The token holds every permission this deploy needs.'];
  const byGroup = new Map<string, MissingPermission[]>();
  for (const m of result.missing) byGroup.set(m.suggested, [...(byGroup.get(m.suggested) ?? []), m]);
  const lines = [
    `The token lacks ${byGroup.size} permission group${byGroup.size === 1 ? '' : 's'} this deploy needs:`,
  ];
  for (const [group, items] of byGroup) {
    lines.push(`  - "${group}" (dashboard: ${dashboardName(group) ?? group})`);
    const steps = [...new Set(items.map((m) => m.step))];
    for (const step of steps) {
      const ops = items.filter((m) => m.step === step);
      lines.push(`      blocks ${step}: ${STEP_TITLES[step]} — ${ops.map((m) => m.operation).join(', ')}`);
      const alternatives = [...new Set(ops.flatMap((m) => m.anyOf))].filter((g) => g !== group);
      if (alternatives.length > 0 && alternatives.length <= 3) {
        lines.push(`        (for the reads, ${alternatives.map((g) => `"${g}"`).join(' or ')} would also do)`);
      }
    }
  }
  return lines;
}
