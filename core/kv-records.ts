// Safe for: worker, workflow (zod only; no I/O)
import { z } from 'zod';
import { appNameSchema, routePathSchema, versionSchema, type Metadata } from './metadata.ts';

/**
 * Workers KV layout (docs/design.md). A version's own keys are immutable once written; the live
 * version is one record, so a flip or a rollback is one KV write and a request one KV read.
 */
export const kvKeys = {
  /** The version's metadata as deployed (immutable). */
  routes: (app: string, version: string) => `${app}:routes:${version}`,
  /** The version's default target URL (immutable). */
  defaultTarget: (app: string, version: string) => `${app}:default:${version}`,
  /** JSON array of {@link VersionEntry}, newest last. */
  versions: (app: string) => `${app}:versions`,
  /** The {@link ActiveRecord}: the live version with its compiled route table. */
  active: (app: string) => `${app}:active`,
} as const;

/**
 * A version's state in the versions list:
 * `pending` (being deployed or deployed, never live yet; a first deploy lists it before its keys
 * exist, for certificate validation), `live`, `retired` (was live, superseded or rolled
 * back from), `failed` (its deploy failed or was rolled back before going live; never routed to).
 */
export const versionStateSchema = z.enum(['pending', 'live', 'retired', 'failed']);
export type VersionState = z.infer<typeof versionStateSchema>;

/** One entry of `${app}:versions`. */
export const versionEntrySchema = z.object({
  version: versionSchema,
  state: versionStateSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  deploymentId: z.string().optional(),
  deploymentUrl: z.string().optional(),
  reason: z.string().optional(),
});
export type VersionEntry = z.infer<typeof versionEntrySchema>;

export const versionsListSchema = z.array(versionEntrySchema);

/** Format version of {@link ActiveRecord}; a router refuses records it does not understand. */
export const ACTIVE_RECORD_SCHEMA_VERSION = 1;

/**
 * `${app}:active`: everything the router needs to serve the live version from one KV read.
 * `routes` is the compiled table: validated, normalised paths sorted so that equal metadata
 * always yields byte-identical records.
 */
export const activeRecordSchema = z.object({
  schema: z.literal(ACTIVE_RECORD_SCHEMA_VERSION),
  app: appNameSchema,
  version: versionSchema,
  defaultTarget: z.string().url(),
  routes: z.array(z.tuple([routePathSchema, z.string().url()])),
  /** Hosts targets may point at (exact or `*.suffix`); the router checks every proxy against them. */
  allowedHosts: z.array(z.string()).min(1),
  previousVersion: versionSchema.nullable(),
  activatedAt: z.string(),
  /** Who flipped it: `workflow:deploy-<app>`, `admin:<name>`, `rollback:<workflow id>`. */
  activatedBy: z.string(),
});
export type ActiveRecord = z.infer<typeof activeRecordSchema>;

/** What {@link buildActiveRecord} needs besides the metadata. */
export interface ActivationInput {
  metadata: Metadata;
  allowedHosts: readonly string[];
  previousVersion: string | null;
  activatedAt: string;
  activatedBy: string;
}

/**
 * The one function that writes an active record, used by the deploy workflow's flip, the
 * rollback workflow and the router's admin switch, so all three produce the same bytes.
 */
export function buildActiveRecord(input: ActivationInput): ActiveRecord {
  const routes = Object.entries(input.metadata.routes)
    .map(([path, target]) => [path, target] as [string, string])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return {
    schema: ACTIVE_RECORD_SCHEMA_VERSION,
    app: input.metadata.app,
    version: input.metadata.version,
    defaultTarget: input.metadata.defaultTarget,
    routes,
    allowedHosts: [...input.allowedHosts],
    previousVersion: input.previousVersion,
    activatedAt: input.activatedAt,
    activatedBy: input.activatedBy,
  };
}
