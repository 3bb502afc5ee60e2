import type { IncomingHttpHeaders } from 'node:http';
import type { AccountModel } from './account-model.ts';
import type { TokenRecord } from './state.ts';
import { CfApiError, Errors } from './errors.ts';
import { parseForm } from './http.ts';

/** What a handler sees of one API request. */
export class Ctx {
  constructor(
    readonly account: AccountModel,
    readonly method: string,
    /** Path below `/client/v4`. */
    readonly path: string,
    readonly params: Record<string, string>,
    readonly query: URLSearchParams,
    readonly headers: IncomingHttpHeaders,
    readonly raw: Buffer,
    readonly contentType: string,
    readonly token: TokenRecord | undefined,
    /** For Direct Upload asset calls: the project the upload JWT was issued for. */
    readonly jwtProject: string | undefined,
  ) {}

  private jsonCache: unknown;
  private formCache: FormData | undefined;

  /** The JSON body (400 code 6007 when it does not parse). */
  json<T = unknown>(): T {
    if (this.jsonCache === undefined) {
      if (this.raw.length === 0) return {} as T;
      try {
        this.jsonCache = JSON.parse(this.raw.toString('utf8'));
      } catch {
        throw Errors.malformedJson();
      }
    }
    return this.jsonCache as T;
  }

  isForm(): boolean {
    return /^multipart\/form-data|^application\/x-www-form-urlencoded/i.test(this.contentType);
  }

  async form(): Promise<FormData> {
    this.formCache ??= await parseForm(this.raw, this.contentType);
    return this.formCache;
  }

  /** A body that may come as JSON or as form fields (the SDK sends some creates as multipart). */
  async fields(): Promise<Record<string, unknown>> {
    if (this.isForm()) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of (await this.form()).entries()) out[k] = typeof v === 'string' ? v : v;
      return out;
    }
    return this.json<Record<string, unknown>>();
  }
}

export type Reply =
  | { status?: number; result: unknown; result_info?: unknown; messages?: Array<{ code: number; message: string; type?: string | null }> }
  | { raw: { status: number; headers: Record<string, string>; body: Buffer | string } };

export interface RouteDef {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path template below /client/v4, OpenAPI style: `/zones/{zone_id}/dns_records`. */
  template: string;
  /** SDK-ish operation name, e.g. `dns.records.create` (usable in fault rules). */
  operation: string;
  /** Any one of these permission groups allows the call (empty: any valid token). */
  permissions: string[];
  /** How the caller authenticates: an API token (default), the Pages upload JWT, or (checked by the handler) a Workers assets upload-session JWT. */
  auth?: 'token' | 'jwt' | 'assets-jwt';
  /** Whether the call changes state (default: every method but GET). */
  mutates?: boolean;
  handler: (ctx: Ctx) => Promise<Reply> | Reply;
}

interface Compiled {
  def: RouteDef;
  segments: string[];
  literals: number;
}

export class Router {
  private routes: Compiled[] = [];

  add(...defs: RouteDef[]): void {
    for (const def of defs) {
      const segments = def.template.split('/').filter(Boolean);
      this.routes.push({ def, segments, literals: segments.filter((s) => !s.startsWith('{')).length });
    }
  }

  all(): RouteDef[] {
    return this.routes.map((r) => r.def);
  }

  /** Best match for a path: the template with the most literal segments wins (`/tokens/verify` over `/tokens/{id}`). */
  match(method: string, path: string): { def: RouteDef; params: Record<string, string> } | { methodMismatch: true } | undefined {
    const parts = path.split('/').filter(Boolean);
    let best: { c: Compiled; params: Record<string, string> } | undefined;
    let pathMatched = false;
    for (const c of this.routes) {
      if (c.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length; i++) {
        const seg = c.segments[i]!;
        const part = parts[i]!;
        if (seg.startsWith('{')) {
          let value: string;
          try {
            value = decodeURIComponent(part);
          } catch {
            ok = false;
            break;
          }
          params[seg.slice(1, -1)] = value;
        } else if (seg !== part) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      pathMatched = true;
      if (c.def.method !== method) continue;
      if (!best || c.literals > best.c.literals) best = { c, params };
    }
    if (best) return { def: best.c.def, params: best.params };
    if (pathMatched) return { methodMismatch: true };
    return undefined;
  }
}

export function ok(result: unknown, extra: { status?: number; result_info?: unknown } = {}): Reply {
  return { result, ...extra };
}

/** V4 page pagination as the SDK expects it: past the last page, an EMPTY result (the SDK stops there). */
export function paginate<T, V = T>(
  items: T[],
  query: URLSearchParams,
  defaultPerPage = 20,
  maxPerPage = 1000,
  /** Renders an item of the page; only the page is rendered, so a long list costs one page. */
  view: (item: T) => V = (item) => item as unknown as V,
): Reply {
  const page = Math.max(1, Number.parseInt(query.get('page') ?? '1', 10) || 1);
  const perPage = Math.min(maxPerPage, Math.max(1, Number.parseInt(query.get('per_page') ?? String(defaultPerPage), 10) || defaultPerPage));
  const start = (page - 1) * perPage;
  const slice = items.slice(start, start + perPage).map(view);
  return {
    result: slice,
    result_info: {
      page,
      per_page: perPage,
      count: slice.length,
      total_count: items.length,
      total_pages: Math.max(1, Math.ceil(items.length / perPage)),
    },
  };
}

export function requireParam(ctx: Ctx, name: string): string {
  const v = ctx.params[name];
  if (v === undefined) throw new CfApiError(400, { code: 7003, message: `missing ${name}` });
  return v;
}
