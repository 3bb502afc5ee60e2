import type Cloudflare from 'cloudflare';
import { dashboardName } from '../core/dashboard-permissions.ts';
import { checkToken, requiredPermissions, STEP_TITLES, tokenAllows, type DeployPermissionOptions, type RunbookStep, type TokenCheckResult } from '../core/token-permissions.ts';

/** One line of the validate-token table: a permission group, what needs it, whether the token has it. */
export interface PermissionRow {
  group: string;
  dashboard: string;
  neededBy: RunbookStep[];
  held: boolean;
}

/**
 * The group a row is named by: "Zone Read" for zone reads (whatever else would allow them),
 * otherwise the Write group among the alternatives, since the same step also writes.
 */
function rowGroup(anyOf: readonly string[]): string | undefined {
  if (anyOf.length === 0) return undefined;
  if (anyOf.includes('Zone Read')) return 'Zone Read';
  return anyOf.find((g) => g.endsWith(' Write')) ?? anyOf[0];
}

/** The table: every permission group the deploy needs, the steps needing it, held or not. */
export function permissionTable(heldGroups: readonly string[], options: DeployPermissionOptions): PermissionRow[] {
  const rows = new Map<string, { steps: Set<RunbookStep>; ops: string[] }>();
  for (const { step, operations } of requiredPermissions(options)) {
    for (const op of operations) {
      const group = rowGroup(op.anyOf);
      if (!group) continue;
      const row = rows.get(group) ?? { steps: new Set(), ops: [] };
      row.steps.add(step);
      row.ops.push(op.operationId);
      rows.set(group, row);
    }
  }
  return [...rows].map(([group, row]) => ({
    group,
    dashboard: dashboardName(group) ?? group,
    neededBy: [...row.steps],
    held: row.ops.every((id) => tokenAllows(heldGroups, id)),
  }));
}

/** What the API says about the token. */
export type TokenIntrospection =
  | { kind: 'ok'; id: string; status: string; groups: string[] }
  | { kind: 'invalid'; message: string }
  | { kind: 'cannot-read-policies'; id: string; status: string };

/** verify → id → the token's own policies (needs "API Tokens Read" on the token itself). */
export async function introspectToken(client: Cloudflare): Promise<TokenIntrospection> {
  let verified;
  try {
    verified = await client.user.tokens.verify();
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === 401 || status === 403) return { kind: 'invalid', message: `Cloudflare refused the token (${status}): it is invalid, expired or disabled` };
    throw err;
  }
  if (verified.status !== 'active') return { kind: 'invalid', message: `the token is ${verified.status}, not active` };
  try {
    const details = await client.user.tokens.get(verified.id);
    const groups = (details.policies ?? []).filter((p) => p.effect !== 'deny').flatMap((p) => p.permission_groups.map((g) => g.name ?? '')).filter(Boolean);
    return { kind: 'ok', id: verified.id, status: verified.status, groups: [...new Set(groups)] };
  } catch (err) {
    if ((err as { status?: number }).status === 403) return { kind: 'cannot-read-policies', id: verified.id, status: verified.status };
    throw err;
  }
}

/** Renders the table for a terminal or a log. */
export function formatTable(rows: PermissionRow[]): string[] {
  const head = ['permission (API name)', 'dashboard', 'needed by', 'token'];
  const body = rows.map((r) => [r.group, r.dashboard, r.neededBy.join(', '), r.held ? 'yes' : 'MISSING']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
}

export type { TokenCheckResult };
export { checkToken, STEP_TITLES };
