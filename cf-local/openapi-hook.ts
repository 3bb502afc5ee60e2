/**
 * The one place the request pipeline meets the vendored OpenAPI module (cf-local/openapi/, built
 * separately): operation lookup (template, operationId, the permission groups it needs) and request
 * validation. When that module is absent the emulator falls back to its own route table.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface OpenApiOperation {
  operationId: string;
  method: string;
  template: string;
  pathParams: Record<string, string>;
  permissionGroups: string[];
}

export interface ValidationIssue {
  field: string;
  message: string;
}

export interface OpenApiModule {
  findOperation(method: string, pathname: string): OpenApiOperation | undefined;
  validateRequest(
    op: OpenApiOperation,
    req: { query: URLSearchParams; body: unknown; contentType?: string; pathParams: Record<string, string> },
  ): ValidationIssue[];
  /** Optional: every permission group name the schema knows. */
  permissionGroupNames?: () => string[];
}

const MODULE_URL = new URL('./openapi/operations.ts', import.meta.url);
/** The generated permission table beside it names every permission group of the schema. */
const GROUPS_URL = new URL('../core/permissions.generated.ts', import.meta.url);

/** Loads the OpenAPI module if it is there (`CF_LOCAL_OPENAPI=0` turns the hook off). */
export async function loadOpenApi(enabled: boolean | undefined): Promise<OpenApiModule | undefined> {
  if (enabled === false || process.env.CF_LOCAL_OPENAPI === '0') return undefined;
  if (!fs.existsSync(fileURLToPath(MODULE_URL))) return undefined;
  try {
    const mod = (await import(MODULE_URL.href)) as Partial<OpenApiModule>;
    if (typeof mod.findOperation !== 'function' || typeof mod.validateRequest !== 'function') return undefined;
    let names: string[] = [];
    if (fs.existsSync(fileURLToPath(GROUPS_URL))) {
      const groups = (await import(GROUPS_URL.href)) as { PERMISSION_GROUPS?: readonly string[] };
      names = [...(groups.PERMISSION_GROUPS ?? [])];
    }
    return {
      findOperation: mod.findOperation.bind(mod),
      validateRequest: mod.validateRequest.bind(mod),
      permissionGroupNames: () => names,
    };
  } catch (err) {
    if (enabled === true) throw err;
    process.emitWarning(`cf-local: OpenAPI module present but failed to load; using the built-in route table (${String(err)})`);
    return undefined;
  }
}
