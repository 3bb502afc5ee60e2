/**
 * Request and response checking against the vendored schema with ajv 8. Validators are compiled
 * on first use and cached per operation, so starting the emulator costs nothing.
 */
import { isIPv4, isIPv6 } from 'node:net';
import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import {
  componentsDocument,
  openApiDocument,
  resolveRef,
  toJsonSchema,
  type Direction,
  type MediaTypeObject,
  type OperationObject,
  type ParameterObject,
  type SchemaObject,
} from './schema.ts';

/** One schema violation: `field` is `body.x.y`, `query.name`, `path.key_name`, ... */
export interface ValidationIssue {
  field: string;
  message: string;
}

/** What validateRequest/validateResponse need to know of an operation (findOperation's answer fits). */
export interface OperationRef {
  operationId: string;
  pathParams?: Record<string, string>;
}

/** The parts of a request the schema constrains. */
export interface RequestParts {
  query: URLSearchParams;
  /** Parsed JSON, a record of multipart fields (or a FormData), or raw bytes/text (unchecked). */
  body: unknown;
  contentType?: string;
  /** Decoded path parameters; defaults to the ones findOperation put on `op`. */
  pathParams?: Record<string, string>;
}

const DOC_IDS: Record<Direction, string> = { request: 'cf-openapi-request', response: 'cf-openapi-response' };

const FORMATS = {
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  email: /^[^\s@]+@[^\s@]+$/,
  hostname: /^(?=.{1,253}\.?$)[a-z0-9*](?:[a-z0-9_-]{0,61}[a-z0-9])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)*\.?$/i,
  ipv4: (s: string) => isIPv4(s),
  ipv6: (s: string) => isIPv6(s),
  // Binary parts arrive as strings, Blobs or Buffers: the schema says nothing checkable.
  binary: () => true,
};

function makeAjv(direction: Direction, coerce: boolean): Ajv {
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    coerceTypes: coerce ? 'array' : false,
    formats: FORMATS,
  });
  ajv.addSchema(componentsDocument(openApiDocument(), direction, DOC_IDS[direction]));
  return ajv;
}

let ajvs: { request: Ajv; params: Ajv; response: Ajv } | undefined;
function instances(): { request: Ajv; params: Ajv; response: Ajv } {
  ajvs ??= { request: makeAjv('request', false), params: makeAjv('request', true), response: makeAjv('response', false) };
  return ajvs;
}

const compiled = new Map<string, ValidateFunction>();
function validatorFor(key: string, which: 'request' | 'params' | 'response', schema: unknown): ValidateFunction {
  let fn = compiled.get(key);
  if (fn === undefined) {
    const direction: Direction = which === 'response' ? 'response' : 'request';
    const json = toJsonSchema(openApiDocument(), schema, direction, DOC_IDS[direction]);
    fn = instances()[which].compile(json as object);
    compiled.set(key, fn);
  }
  return fn;
}

function operationObject(operationId: string): OperationObject {
  const doc = openApiDocument();
  for (const item of Object.values(doc.paths)) {
    for (const op of Object.values(item)) {
      if (op.operationId === operationId) return op;
    }
  }
  throw new Error(`unknown operation ${operationId}`);
}

/** Checks path and query parameters and the request body against the operation's schema. */
export function validateRequest(op: OperationRef, req: RequestParts): ValidationIssue[] {
  const doc = openApiDocument();
  const spec = operationObject(op.operationId);
  const issues: ValidationIssue[] = [];
  const params = (spec.parameters ?? []).map((p) => resolveRef<ParameterObject>(doc, p));

  for (const where of ['path', 'query'] as const) {
    const declared = params.filter((p) => p.in === where);
    if (declared.length === 0) continue;
    const properties: Record<string, unknown> = {};
    const required: string[] = [];
    const values: Record<string, unknown> = {};
    for (const p of declared) {
      properties[p.name] = p.schema ?? {};
      if (p.required === true) required.push(p.name);
      const raw = where === 'path' ? pathValue(req.pathParams ?? op.pathParams ?? {}, p.name) : queryValue(doc, req.query, p);
      if (raw !== undefined) values[p.name] = raw;
    }
    const validate = validatorFor(`${op.operationId}:${where}`, 'params', { type: 'object', properties, required });
    if (!validate(values)) issues.push(...toIssues(validate.errors ?? [], where));
  }

  issues.push(...checkBody(op.operationId, spec, req));
  return issues;
}

function pathValue(pathParams: Record<string, string>, name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(pathParams, name) ? pathParams[name] : undefined;
}

function queryValue(doc: ReturnType<typeof openApiDocument>, query: URLSearchParams, p: ParameterObject): unknown {
  const all = query.getAll(p.name);
  if (all.length === 0) return undefined;
  const schema = p.schema === undefined ? {} : resolveRef<SchemaObject>(doc, p.schema);
  return schema.type === 'array' ? all : all[all.length - 1];
}

function mediaTypeOf(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase();
}

function checkBody(operationId: string, spec: OperationObject, req: RequestParts): ValidationIssue[] {
  if (spec.requestBody === undefined) return [];
  const requestBody = resolveRef<{ required?: boolean; content?: Record<string, MediaTypeObject> }>(
    openApiDocument(),
    spec.requestBody,
  );
  const content = requestBody.content ?? {};
  const empty = req.body === undefined || req.body === null || req.body === '';
  if (empty) {
    return requestBody.required === true ? [{ field: 'body', message: 'request body is required' }] : [];
  }
  const media = mediaTypeOf(req.contentType);
  const isJson = media === undefined ? typeof req.body === 'object' : media === 'application/json' || media.endsWith('+json');
  if (isJson && content['application/json'] !== undefined) {
    if (typeof req.body === 'string' || req.body instanceof Uint8Array) return [];
    const validate = validatorFor(`${operationId}:body`, 'request', content['application/json'].schema ?? {});
    return validate(req.body) ? [] : toIssues(validate.errors ?? [], 'body');
  }
  if (media === 'multipart/form-data' && content['multipart/form-data'] !== undefined) {
    return checkMultipart(content['multipart/form-data'], req.body);
  }
  // octet-stream, text and anything else: the schema says nothing checkable about raw bytes.
  return [];
}

function checkMultipart(media: MediaTypeObject, body: unknown): ValidationIssue[] {
  const schema = resolveRef<SchemaObject>(openApiDocument(), media.schema ?? {});
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  let has: ((name: string) => boolean) | undefined;
  if (body instanceof FormData) has = (name) => body.has(name);
  else if (body !== null && typeof body === 'object' && !(body instanceof Uint8Array)) {
    has = (name) => Object.prototype.hasOwnProperty.call(body, name);
  }
  if (has === undefined) return [];
  return required.filter((name) => !has(name)).map((name) => ({ field: `body.${name}`, message: 'is required' }));
}

/**
 * Checks a response body against the schema for that exact status, else `4XX`/`5XX`, else
 * `default`. An undocumented status is itself an issue.
 */
export function validateResponse(op: OperationRef, status: number, body: unknown): ValidationIssue[] {
  const spec = operationObject(op.operationId);
  const responses = spec.responses ?? {};
  const key = [String(status), `${Math.floor(status / 100)}XX`, 'default'].find((k) => responses[k] !== undefined);
  if (key === undefined) return [{ field: 'status', message: `status ${status} is not documented for ${op.operationId}` }];
  const schema = responses[key]?.content?.['application/json']?.schema;
  if (schema === undefined) {
    const empty = body === undefined || body === null || body === '';
    return empty || responses[key]?.content !== undefined ? [] : [{ field: 'body', message: `status ${key} has no body` }];
  }
  const validate = validatorFor(`${op.operationId}:response:${key}`, 'response', schema);
  return validate(body) ? [] : toIssues(validate.errors ?? [], 'body');
}

function fieldOf(prefix: string, instancePath: string, extra?: string): string {
  const parts = instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (extra !== undefined) parts.push(extra);
  let field = prefix;
  for (const p of parts) field += /^\d+$/.test(p) ? `[${p}]` : `.${p}`;
  return field;
}

function toIssues(errors: ErrorObject[], prefix: string): ValidationIssue[] {
  // Summary errors ("must match a schema in anyOf", "must match then schema") repeat what the
  // specific errors say; keep them only when nothing more specific was reported.
  const specific = errors.filter((e) => !['if', 'anyOf', 'oneOf', 'allOf'].includes(e.keyword));
  const chosen = specific.length > 0 ? specific : errors;
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  for (const e of chosen) {
    let issue: ValidationIssue;
    if (e.keyword === 'required') {
      issue = { field: fieldOf(prefix, e.instancePath, String(e.params.missingProperty)), message: 'is required' };
    } else if (e.keyword === 'additionalProperties') {
      issue = { field: fieldOf(prefix, e.instancePath, String(e.params.additionalProperty)), message: 'is not allowed' };
    } else if (e.keyword === 'enum') {
      const allowed = (e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      issue = { field: fieldOf(prefix, e.instancePath), message: `must be one of ${allowed}` };
    } else {
      issue = { field: fieldOf(prefix, e.instancePath), message: e.message ?? e.keyword };
    }
    const key = `${issue.field}\u0000${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  }
  return issues;
}
