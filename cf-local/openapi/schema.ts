/**
 * The vendored Cloudflare OpenAPI 3.0 document and its translation to JSON Schema (draft-07)
 * for ajv. OpenAPI 3.0 is not JSON Schema: `nullable`, `readOnly`/`writeOnly` in `required`,
 * `$ref` with siblings and `discriminator` need translating; `x-*` and `example` are dropped.
 */
import { readFileSync } from 'node:fs';

/** An OpenAPI schema object, loosely typed: it is walked generically. */
export type SchemaObject = { [key: string]: unknown };

/** An OpenAPI parameter object (after `$ref` resolution). */
export interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: SchemaObject;
  style?: string;
  explode?: boolean;
}

/** An OpenAPI media type object. */
export interface MediaTypeObject {
  schema?: SchemaObject;
}

/** An OpenAPI operation object, the parts the validator reads. */
export interface OperationObject {
  operationId: string;
  parameters?: (ParameterObject | { $ref: string })[];
  requestBody?: { required?: boolean; content?: Record<string, MediaTypeObject> } | { $ref: string };
  responses?: Record<string, { content?: Record<string, MediaTypeObject> }>;
  [key: string]: unknown;
}

/** The document, the parts the validator reads. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OperationObject>>;
  components: {
    schemas: Record<string, SchemaObject>;
    parameters?: Record<string, ParameterObject>;
    requestBodies?: Record<string, { required?: boolean; content?: Record<string, MediaTypeObject> }>;
  };
}

let cached: OpenApiDocument | undefined;

/** The vendored schema, read once. */
export function openApiDocument(): OpenApiDocument {
  cached ??= JSON.parse(readFileSync(new URL('./openapi.json', import.meta.url), 'utf8')) as OpenApiDocument;
  return cached;
}

/** Resolves a local `$ref` (`#/components/...`) against the document. */
export function resolveRef<T>(doc: OpenApiDocument, value: T | { $ref: string }): T {
  let current: unknown = value;
  for (let hops = 0; hops < 32; hops++) {
    if (current === null || typeof current !== 'object' || typeof (current as { $ref?: unknown }).$ref !== 'string') {
      return current as T;
    }
    const ref = (current as { $ref: string }).$ref;
    if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
    current = ref
      .slice(2)
      .split('/')
      .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
    if (current === undefined) throw new Error(`dangling $ref ${ref}`);
  }
  throw new Error('$ref chain too long');
}

/** Which side of the wire a schema describes: readOnly props are not required in requests. */
export type Direction = 'request' | 'response';

/** Keywords ajv should see; everything else (x-*, example, discriminator, ...) is dropped. */
const SUBSCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions']);
const SUBSCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf']);
const SUBSCHEMA_SINGLE = new Set(['items', 'additionalProperties', 'not']);
const PLAIN = new Set([
  'type', 'enum', 'const', 'format', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum',
  'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minItems', 'maxItems', 'uniqueItems',
  'minProperties', 'maxProperties', 'required', 'default',
]);
/** Keywords a `$ref` sibling may carry that are pure annotation. */
const ANNOTATIONS = new Set(['description', 'title', 'example', 'examples', 'readOnly', 'writeOnly', 'deprecated']);

/**
 * Translates one OpenAPI schema to JSON Schema. `refBase` is the `$id` of the document the
 * translated components live in (so `#/components/schemas/X` becomes `${refBase}#/definitions/X`).
 */
export function toJsonSchema(doc: OpenApiDocument, node: unknown, direction: Direction, refBase: string): unknown {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return node;
  const src = node as SchemaObject;
  let out: SchemaObject = {};

  for (const [key, value] of Object.entries(src)) {
    if (SUBSCHEMA_MAPS.has(key) && value !== null && typeof value === 'object') {
      out[key] = Object.fromEntries(
        Object.entries(value as SchemaObject).map(([k, v]) => [k, toJsonSchema(doc, v, direction, refBase)]),
      );
    } else if (SUBSCHEMA_LISTS.has(key) && Array.isArray(value)) {
      out[key] = value.map((v) => toJsonSchema(doc, v, direction, refBase));
    } else if (SUBSCHEMA_SINGLE.has(key)) {
      out[key] = typeof value === 'boolean' ? value : toJsonSchema(doc, value, direction, refBase);
    } else if (key === 'type') {
      // The schema uses `type: unknown` for "any JSON value".
      if (value !== 'unknown') out.type = value;
    } else if ((key === 'required' || key === 'enum') && Array.isArray(value)) {
      // The schema repeats items now and then; JSON Schema forbids that.
      out[key] = [...new Set(value)];
    } else if (PLAIN.has(key)) {
      out[key] = value;
    }
  }

  if (Array.isArray(out.required) && src.properties !== undefined) {
    const props = src.properties as SchemaObject;
    const skip = direction === 'request' ? 'readOnly' : 'writeOnly';
    out.required = (out.required as string[]).filter((name) => {
      const prop = props[name];
      if (prop === undefined) return true;
      const own = (prop as SchemaObject)[skip] === true;
      return !own && (resolveRef<SchemaObject>(doc, prop as SchemaObject)[skip] !== true);
    });
  }

  if (typeof src.$ref === 'string') {
    const ref = { $ref: rewriteRef(src.$ref, refBase) };
    // OpenAPI 3.0 says $ref siblings are ignored, but this schema means them (`required`,
    // `nullable`, `type`) and Cloudflare's SDK generator honours them: treat them as allOf.
    // A sibling `required` REPLACES the referenced schema's list, as the SDK generator reads it:
    // `workers.domains.update`'s body is `workers_Domain` (which requires zone_id, zone_name) with
    // `required: [hostname, service]`, and the SDK's DomainUpdateParams makes the zone optional.
    // allOf cannot take a requirement away, so the target is inlined without its own list.
    const target = Array.isArray(out.required) ? ownSchema(doc, src.$ref, direction, refBase) : undefined;
    const meaningful = Object.keys(out).length > 0;
    out = meaningful ? { allOf: [target ?? ref, out] } : ref;
  }

  const discriminated = discriminate(doc, src, out, direction, refBase);
  if (discriminated !== undefined) out = discriminated;

  // Stainless writes "null here" as `enum: [null]` next to a type (failure envelopes'
  // `result`); OpenAPI 3.0.3 requires `nullable` for a null enum member, so read it as such.
  const nullEnum = Array.isArray(src.enum) && src.enum.includes(null);
  if (src.nullable === true || nullEnum) out = nullable(out);
  return out;
}

/**
 * A referenced component translated in place without its top-level `required`; undefined (keep
 * the plain `$ref`) when the component is itself a `$ref` or a composition, whose lists live deeper.
 */
function ownSchema(doc: OpenApiDocument, ref: string, direction: Direction, refBase: string): SchemaObject | undefined {
  const target = resolveRef<SchemaObject>(doc, { $ref: ref });
  if (['$ref', 'allOf', 'anyOf', 'oneOf'].some((k) => k in target)) return undefined;
  const own = toJsonSchema(doc, target, direction, refBase) as SchemaObject;
  if (!Array.isArray(own.required)) return undefined;
  const rest: SchemaObject = { ...own };
  delete rest.required;
  return rest;
}

function rewriteRef(ref: string, refBase: string): string {
  const prefix = '#/components/schemas/';
  if (!ref.startsWith(prefix)) throw new Error(`unsupported schema $ref ${ref}`);
  return `${refBase}#/definitions/${ref.slice(prefix.length)}`;
}

function nullable(schema: SchemaObject): SchemaObject {
  const composite = ['$ref', 'allOf', 'anyOf', 'oneOf'].some((k) => k in schema);
  if (typeof schema.type === 'string' && !composite) {
    const out: SchemaObject = { ...schema, type: [schema.type, 'null'] };
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) out.enum = [...schema.enum, null];
    return out;
  }
  return { anyOf: [{ type: 'null' }, schema] };
}

/** The values a branch fixes for a discriminator property, or undefined if it fixes none. */
function discriminatorValues(doc: OpenApiDocument, branch: unknown, prop: string, depth = 0): unknown[] | undefined {
  if (depth > 8) return undefined;
  const s = resolveRef<SchemaObject>(doc, branch as SchemaObject);
  const props = s.properties as SchemaObject | undefined;
  if (props?.[prop] !== undefined) {
    const p = resolveRef<SchemaObject>(doc, props[prop] as SchemaObject);
    if (Array.isArray(p.enum)) return p.enum;
  }
  const list = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (Array.isArray(list)) {
    const each = list.map((b) => discriminatorValues(doc, b, prop, depth + 1));
    if (each.every((v) => v !== undefined)) return each.flat();
  }
  if (Array.isArray(s.allOf)) {
    for (const part of s.allOf) {
      const v = discriminatorValues(doc, part, prop, depth + 1);
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

function discriminatorOf(doc: OpenApiDocument, s: SchemaObject): string | undefined {
  const own = (s.discriminator as { propertyName?: string } | undefined)?.propertyName;
  if (own !== undefined) return own;
  // A union of discriminated unions (dns-record-post: without-data | with-data) is one too.
  const list = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const names = list.map((b) => discriminatorOf(doc, resolveRef<SchemaObject>(doc, b as SchemaObject)));
  return names.every((n) => n !== undefined && n === names[0]) ? names[0] : undefined;
}

/**
 * Rewrites a discriminated anyOf/oneOf to if/then on the discriminator, so a wrong body is
 * reported against the one variant it claims to be (not against all twenty DNS record types),
 * and an unknown discriminator value is reported as such.
 */
function discriminate(
  doc: OpenApiDocument,
  src: SchemaObject,
  out: SchemaObject,
  direction: Direction,
  refBase: string,
): SchemaObject | undefined {
  const key = Array.isArray(src.oneOf) ? 'oneOf' : Array.isArray(src.anyOf) ? 'anyOf' : undefined;
  if (key === undefined) return undefined;
  const prop = discriminatorOf(doc, src);
  if (prop === undefined) return undefined;
  const branches = src[key] as unknown[];
  const values = branches.map((b) => discriminatorValues(doc, b, prop));
  const all = values.flat();
  if (values.some((v) => v === undefined || v.length === 0) || new Set(all).size !== all.length) return undefined;
  const converted = out[key] as unknown[];
  const rest: SchemaObject = { ...out };
  delete rest[key];
  const clauses = branches.map((_, i) => ({
    if: { properties: { [prop]: { enum: values[i] } }, required: [prop] },
    then: converted[i],
  }));
  return {
    ...rest,
    allOf: [
      ...((rest.allOf as unknown[] | undefined) ?? []),
      { required: [prop], properties: { [prop]: { enum: all } } },
      ...clauses,
    ],
  };
}

/** All component schemas translated, as one JSON Schema document with the given `$id`. */
export function componentsDocument(doc: OpenApiDocument, direction: Direction, id: string): SchemaObject {
  const definitions: SchemaObject = {};
  for (const [name, schema] of Object.entries(doc.components.schemas)) {
    definitions[name] = toJsonSchema(doc, schema, direction, id);
  }
  return { $id: id, definitions };
}
