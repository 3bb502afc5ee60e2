/**
 * Matches a request path to the schema's operations, using the one generated permission table
 * (so the emulator routes, authorises and the token validator reasons over the same rows).
 */
import { OPERATION_PERMISSIONS } from '../../core/permissions.generated.ts';

/** An operation matched to a concrete request path. */
export interface MatchedOperation {
  operationId: string;
  /** Upper-case HTTP method. */
  method: string;
  /** Path template below /client/v4, e.g. `/zones/{zone_id}/dns_records`. */
  template: string;
  /** Decoded path parameters (a KV `key_name` may contain `/` sent as `%2F`). */
  pathParams: Record<string, string>;
  /** Any one of these allows the call; empty means none is needed. */
  permissionGroups: readonly string[];
}

interface CompiledTemplate {
  operationId: string;
  method: string;
  template: string;
  /** A literal segment, or `{ param }` for a path parameter. */
  segments: (string | { param: string })[];
  permissionGroups: readonly string[];
}

const TEMPLATES: CompiledTemplate[] = OPERATION_PERMISSIONS.map((op) => ({
  operationId: op.operationId,
  method: op.method,
  template: op.path,
  segments: op.path
    .split('/')
    .slice(1)
    .map((s) => (s.startsWith('{') && s.endsWith('}') ? { param: s.slice(1, -1) } : s)),
  permissionGroups: op.permissionGroups,
}));

function splitPath(pathname: string): string[] {
  let p = pathname.startsWith('/') ? pathname : `/${pathname}`;
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  // Split the raw (still percent-encoded) path, so an encoded slash stays inside its segment.
  return p.split('/').slice(1);
}

/**
 * Finds the schema operation for a method and a path below `/client/v4`. Literal segments win
 * over parameters (`/user/tokens/verify` is not `/user/tokens/{token_id}`).
 */
export function findOperation(method: string, pathname: string): MatchedOperation | undefined {
  const wanted = method.toUpperCase();
  const parts = splitPath(pathname);
  let best: { t: CompiledTemplate; params: Record<string, string>; score: number[] } | undefined;
  for (const t of TEMPLATES) {
    if (t.method !== wanted || t.segments.length !== parts.length) continue;
    const params: Record<string, string> = Object.create(null) as Record<string, string>;
    const score: number[] = [];
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      const seg = t.segments[i]!;
      const part = parts[i]!;
      if (typeof seg === 'string') {
        ok = seg === part;
        score.push(1);
      } else {
        const decoded = safeDecode(part);
        ok = part.length > 0 && decoded !== undefined;
        if (ok) params[seg.param] = decoded!;
        score.push(0);
      }
    }
    if (ok && (best === undefined || compareScores(score, best.score) > 0)) best = { t, params, score };
  }
  if (best === undefined) return undefined;
  return {
    operationId: best.t.operationId,
    method: best.t.method,
    template: best.t.template,
    pathParams: best.params,
    permissionGroups: best.t.permissionGroups,
  };
}

/** Whether any operation exists for this path under another method (→ 405 rather than 404). */
export function pathIsKnown(pathname: string): boolean {
  return ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'].some((m) => findOperation(m, pathname) !== undefined);
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return 0;
}

function safeDecode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}
