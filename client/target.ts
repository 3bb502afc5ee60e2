import { Client, Connection } from '@temporalio/client';
import type { ApiToken } from '../core/api-token.ts';
import type { NextdeployConfig } from '../core/config.ts';
import { temporalTargetFromEnv, type TemporalConnectionOptions } from '../core/temporal-connection.ts';
import type { StackInfo } from '../devstack/stack-file.ts';
import { CliError, EXIT, type CliIo } from './io.ts';
import { announceEmbedded, embeddedConfig, requireToken, type Settings } from './settings.ts';
import { ensureStack, localToken } from './stack.ts';

/** Everything a command needs to act: configuration, token, Temporal, and the stack if embedded. */
export interface Target {
  mode: Settings['mode'];
  config: NextdeployConfig;
  /** The Cloudflare API token: the operator's, or the local Cloudflare's in embedded mode. */
  token: string;
  temporal: { connection: TemporalConnectionOptions; namespace: string; uiUrl: string | undefined; description: string };
  stack: StackInfo | undefined;
  /** Where the app's hostname answers when it is not in public DNS (the local edge). */
  edgeUrl: string | undefined;
}

/**
 * Resolves where a command acts. Embedded: starts or reuses the local stack. Configured: needs
 * the token; Temporal is `TEMPORAL_ADDRESS` or, when unset, the embedded dev server and a worker
 * holding the operator's token.
 */
export async function resolveTarget(io: CliIo, settings: Settings, command: string): Promise<Target> {
  if (settings.mode === 'embedded') {
    announceEmbedded(io);
    const stack = await ensureStack(io, 'local');
    const cf = stack.cloudflare!;
    return {
      mode: 'embedded',
      config: embeddedConfig(settings, { apiBaseUrl: cf.apiBaseUrl, kvNamespaceId: cf.kvNamespaceId }),
      token: localToken(),
      temporal: { connection: { address: stack.temporal.address }, namespace: stack.temporal.namespace, uiUrl: stack.temporal.uiUrl, description: 'the embedded Temporal dev server' },
      stack,
      edgeUrl: cf.edgeUrl,
    };
  }
  const token: ApiToken = requireToken(settings, command);
  let temporalTarget;
  try {
    temporalTarget = temporalTargetFromEnv(io.env);
  } catch (err) {
    throw new CliError((err as Error).message.split('\n'));
  }
  if (temporalTarget.external) {
    return {
      mode: 'configured',
      config: settings.config,
      token: token.value,
      temporal: {
        connection: temporalTarget.connection!,
        namespace: temporalTarget.namespace,
        uiUrl: io.env.TEMPORAL_UI_URL?.replace(/\/+$/, '') || undefined,
        description: temporalTarget.description,
      },
      stack: undefined,
      edgeUrl: undefined,
    };
  }
  const env = { ...io.env, ...(settings.config.apiBaseUrl ? { CLOUDFLARE_API_BASE_URL: settings.config.apiBaseUrl, CLOUDFLARE_BASE_URL: settings.config.apiBaseUrl } : {}) };
  const stack = await ensureStack({ ...io, env }, 'api');
  return {
    mode: 'configured',
    config: settings.config,
    token: token.value,
    temporal: { connection: { address: stack.temporal.address }, namespace: stack.temporal.namespace, uiUrl: stack.temporal.uiUrl, description: 'the embedded Temporal dev server' },
    stack,
    edgeUrl: undefined,
  };
}

/** A connected Temporal client; `close()` when done so the process can exit. */
export async function connectTemporal(target: Target): Promise<{ client: Client; close(): Promise<void> }> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...target.temporal.connection, connectTimeout: 10_000 });
  } catch (err) {
    throw new CliError([`Temporal (${target.temporal.description}) did not answer: ${(err as Error).message}`], EXIT.UNAVAILABLE);
  }
  return { client: new Client({ connection, namespace: target.temporal.namespace }), close: () => connection.close() };
}

/** The Web UI page of one workflow run. */
export function webUiLink(target: Target, workflowId: string, runId?: string): string | undefined {
  if (!target.temporal.uiUrl) return undefined;
  const base = `${target.temporal.uiUrl}/namespaces/${encodeURIComponent(target.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}
