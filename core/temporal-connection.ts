// Safe for: node only (reads certificate files with node:fs)
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Where Temporal is, from the environment, for the worker and the CLI alike:
 * - `TEMPORAL_ADDRESS` (`host:port`; unset = the embedded dev server), `TEMPORAL_NAMESPACE`;
 * - Temporal Cloud with an API key: `TEMPORAL_API_KEY` or `TEMPORAL_API_KEY_FILE` (TLS implied);
 * - or mTLS: `TEMPORAL_TLS_CERT` + `TEMPORAL_TLS_KEY` (file paths), optional `TEMPORAL_TLS_CA`,
 *   `TEMPORAL_TLS_SERVER_NAME`.
 */
export const temporalEnvSchema = z
  .object({
    TEMPORAL_ADDRESS: z
      .string()
      .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, { error: 'TEMPORAL_ADDRESS must be host:port, e.g. "127.0.0.1:7233" or "ns.acct.tmprl.cloud:7233"' })
      .optional(),
    TEMPORAL_NAMESPACE: z.string().min(1, { error: 'TEMPORAL_NAMESPACE must not be empty' }).default('default'),
    TEMPORAL_API_KEY: z.string().min(1).optional(),
    TEMPORAL_API_KEY_FILE: z.string().min(1).optional(),
    TEMPORAL_TLS_CERT: z.string().min(1).optional(),
    TEMPORAL_TLS_KEY: z.string().min(1).optional(),
    TEMPORAL_TLS_CA: z.string().min(1).optional(),
    TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  })
  .refine((env) => Boolean(env.TEMPORAL_TLS_CERT) === Boolean(env.TEMPORAL_TLS_KEY), {
    error: 'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together: set both (mTLS) or neither',
    path: ['TEMPORAL_TLS_KEY'],
  })
  .refine((env) => !(env.TEMPORAL_API_KEY && env.TEMPORAL_API_KEY_FILE), {
    error: 'set TEMPORAL_API_KEY or TEMPORAL_API_KEY_FILE, not both',
    path: ['TEMPORAL_API_KEY_FILE'],
  })
  .refine((env) => !((env.TEMPORAL_API_KEY || env.TEMPORAL_API_KEY_FILE) && !env.TEMPORAL_ADDRESS), {
    error: 'an API key needs TEMPORAL_ADDRESS (your Temporal Cloud endpoint, e.g. "<region>.<cloud>.api.temporal.io:7233")',
    path: ['TEMPORAL_ADDRESS'],
  });

/** Options accepted by both `Connection.connect` (client) and `NativeConnection.connect` (worker). */
export interface TemporalConnectionOptions {
  address: string;
  tls?: true | {
    clientCertPair?: { crt: Buffer; key: Buffer };
    serverRootCACertificate?: Buffer;
    serverNameOverride?: string;
  };
  apiKey?: string;
  metadata?: Record<string, string>;
}

/** A resolved Temporal target: `external` false means "start or reuse the embedded dev server". */
export interface TemporalTarget {
  external: boolean;
  namespace: string;
  /** Only when external; the embedded server's address is known once it runs. */
  connection?: TemporalConnectionOptions;
  /** For logs and the CLI: never includes the API key. */
  description: string;
}

/** Reads the Temporal target from the environment; throws a message naming the variable on bad input. */
export function temporalTargetFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  const parsed = temporalEnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('TEMPORAL_') && v !== '')));
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || 'TEMPORAL_*'}: ${i.message}`).join('\n'));
  }
  const e = parsed.data;
  if (!e.TEMPORAL_ADDRESS) {
    return { external: false, namespace: e.TEMPORAL_NAMESPACE, description: 'embedded Temporal dev server' };
  }
  const apiKey = e.TEMPORAL_API_KEY ?? (e.TEMPORAL_API_KEY_FILE ? readFileSync(e.TEMPORAL_API_KEY_FILE, 'utf8').trim() : undefined);
  const connection: TemporalConnectionOptions = { address: e.TEMPORAL_ADDRESS };
  if (e.TEMPORAL_TLS_CERT && e.TEMPORAL_TLS_KEY) {
    connection.tls = {
      clientCertPair: { crt: readFileSync(e.TEMPORAL_TLS_CERT), key: readFileSync(e.TEMPORAL_TLS_KEY) },
      ...(e.TEMPORAL_TLS_CA ? { serverRootCACertificate: readFileSync(e.TEMPORAL_TLS_CA) } : {}),
      ...(e.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: e.TEMPORAL_TLS_SERVER_NAME } : {}),
    };
  } else if (apiKey) {
    connection.tls = true;
  }
  if (apiKey) {
    connection.apiKey = apiKey;
    // Temporal Cloud routes API-key requests by this header.
    connection.metadata = { 'temporal-namespace': e.TEMPORAL_NAMESPACE };
  }
  const auth = apiKey ? ' (API key)' : e.TEMPORAL_TLS_CERT ? ' (mTLS)' : '';
  return {
    external: true,
    namespace: e.TEMPORAL_NAMESPACE,
    connection,
    description: `Temporal at ${e.TEMPORAL_ADDRESS}, namespace ${e.TEMPORAL_NAMESPACE}${auth}`,
  };
}
