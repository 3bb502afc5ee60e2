/**
 * The contract suite's HTTP client: every call goes over real HTTP to the local Cloudflare, is
 * routed to its schema operation, and its answer is validated against that operation's response
 * schema for the status it came with. It keeps the coverage the suite prints.
 */
import { findOperation, validateResponse, type ValidationIssue } from './operations.ts';
import { OPERATION_PERMISSIONS } from '../../core/permissions.generated.ts';

/** One call's outcome. */
export interface ContractResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON when the answer is JSON, else the raw text. */
  body: unknown;
  operationId: string;
  issues: ValidationIssue[];
}

/** How to send one call. */
export interface ContractCall {
  /** Bearer token; `null` sends none. Defaults to the client's token. */
  token?: string | null;
  json?: unknown;
  form?: FormData;
  raw?: { body: string | Uint8Array; contentType: string };
  query?: Record<string, string>;
}

/** Cloudflare's "No route for that URI": the emulator does not implement the operation. */
const NO_ROUTE_CODE = 7000;

/**
 * Places where the schema itself cannot be met by a correct answer, each with its reason. An
 * issue is waived only on an exact match (operation, status class, field, message); the suite
 * prints every waiver it used, so none hides silently.
 */
export const KNOWN_SCHEMA_DEFECTS: readonly {
  /** An operationId, `prefix*` for a family, or '*' for any. */
  operationId: string;
  /** An exact status, when the defect is about one. */
  status?: number;
  statusClass: string;
  /** The field exactly, or a pattern for fields inside arrays (`body.result[3].comment`). */
  field: string | RegExp;
  message: string;
  reason: string;
}[] = [
  {
    operationId: 'workers-kv-namespace-write-multiple-key-value-pairs',
    statusClass: '4XX',
    field: 'body.success',
    message: 'must be one of true',
    reason: 'the schema copies the 200 envelope into 4XX (`success: enum [true]`); a failure answers success: false',
  },
  {
    operationId: '*',
    status: 429,
    statusClass: '4XX',
    field: 'body.errors[0].code',
    message: 'must be >= 1000',
    reason:
      "the API-wide rate limiter answers code 971 (CLOUDFLARE-NOTES.md; lablabs/cloudflare-exporter#74), outside the DNS service's own code range (minimum 1000) that the DNS schema describes",
  },
  {
    operationId: 'dns-records-for-a-zone-*',
    statusClass: '2XX',
    field: /^body\.result(\[\d+\])?\.comment$/,
    message: 'must be string',
    reason: 'the live API answers "comment": null for a record without a comment (see cf-local/errors.ts and the DNS handler); the schema types it as a non-nullable string',
  },
  {
    operationId: 'dns-records-for-a-zone-*',
    statusClass: '2XX',
    field: /^body\.result(\[\d+\])?\.data$/,
    message: 'is required',
    reason: 'the live API sends no `data` for A/AAAA/CNAME records (it carries SRV/CAA-style structured content only); the schema marks it required for every type',
  },
];

function waiverMatches(pattern: string, operationId: string): boolean {
  if (pattern === '*') return true;
  return pattern.endsWith('*') ? operationId.startsWith(pattern.slice(0, -1)) : pattern === operationId;
}

export class ContractClient {
  /** operationId → statuses answered and validated. */
  readonly covered = new Map<string, Set<number>>();
  /** Every schema mismatch seen, as readable lines. */
  readonly mismatches: string[] = [];
  /** operationIds answered with a mismatch (never counted as validated). */
  readonly mismatched = new Set<string>();
  /** Waivers used, as readable lines. */
  readonly waived = new Set<string>();

  constructor(
    private readonly apiBaseUrl: string,
    private readonly token: string,
  ) {}

  async call(method: string, path: string, options: ContractCall = {}): Promise<ContractResponse> {
    const op = findOperation(method, path);
    if (op === undefined) throw new Error(`${method} ${path} is not an operation of the schema`);
    const url = new URL(this.apiBaseUrl.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = {};
    const token = options.token === undefined ? this.token : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | Uint8Array | FormData | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form !== undefined) {
      body = options.form;
    } else if (options.raw !== undefined) {
      headers['content-type'] = options.raw.contentType;
      body = options.raw.body;
    }
    const res = await fetch(url, { method, headers, body: body as RequestInit["body"] });
    const text = await res.text();
    const isJson = (res.headers.get('content-type') ?? '').includes('json');
    let parsed: unknown = text;
    if (isJson) parsed = text === '' ? undefined : JSON.parse(text);
    const statusClass = `${Math.floor(res.status / 100)}XX`;
    const issues = (isJson || text === '' ? validateResponse(op, res.status, parsed) : []).filter((i) => {
      const waiver = KNOWN_SCHEMA_DEFECTS.find(
        (d) =>
          waiverMatches(d.operationId, op.operationId) &&
          (d.status === undefined || d.status === res.status) &&
          d.statusClass === statusClass &&
          (typeof d.field === 'string' ? d.field === i.field : d.field.test(i.field)) &&
          d.message === i.message,
      );
      if (waiver !== undefined) this.waived.add(`${op.operationId} ${statusClass} ${i.field}: ${waiver.reason}`);
      return waiver === undefined;
    });
    const noRoute = res.status === 404 && hasErrorCode(parsed, NO_ROUTE_CODE);
    if (!noRoute) {
      if (issues.length === 0) {
        const statuses = this.covered.get(op.operationId) ?? new Set<number>();
        statuses.add(res.status);
        this.covered.set(op.operationId, statuses);
      } else {
        this.mismatched.add(op.operationId);
        for (const i of issues) this.mismatches.push(`${op.operationId} ${res.status}: ${i.field} ${i.message}`);
      }
    }
    return { status: res.status, headers: res.headers, body: parsed, operationId: op.operationId, issues };
  }

  /**
   * The coverage line the suite prints. An operation counts as validated only when every answer
   * it gave matched the schema; `notDriven` are the ones the suite never got an answer from.
   */
  coverage(): { line: string; validated: string[]; notDriven: typeof OPERATION_PERMISSIONS } {
    const all = OPERATION_PERMISSIONS.map((op) => op.operationId);
    const validated = all.filter((id) => this.covered.has(id) && !this.mismatched.has(id));
    const notDriven = OPERATION_PERMISSIONS.filter((op) => !this.covered.has(op.operationId) && !this.mismatched.has(op.operationId));
    return { line: `validated ${validated.length} of ${all.length} operations in the schema`, validated, notDriven };
  }

  /**
   * Asks the emulator for an operation the suite did not drive, with placeholder parameters:
   * true when it answers "No route" (404 code 7000) or 405, i.e. it does not implement it.
   */
  async isUnimplemented(method: string, template: string, params: Record<string, string>): Promise<boolean> {
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? 'contract-probe'));
    const res = await fetch(this.apiBaseUrl.replace(/\/$/, '') + path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      ...(method === 'GET' ? {} : { body: '{}' }),
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return res.status === 405 || (res.status === 404 && hasErrorCode(body, NO_ROUTE_CODE));
  }
}

/** Whether a Cloudflare envelope carries an error with this code. */
export function hasErrorCode(body: unknown, code: number): boolean {
  const errors = (body as { errors?: { code?: unknown }[] } | null | undefined)?.errors;
  return Array.isArray(errors) && errors.some((e) => e?.code === code);
}
