/**
 * What every contract scenario shares: the running local Cloudflare, a validating client per
 * token, and assertions that fail on any schema mismatch.
 */
import { expect } from 'vitest';
import type { LocalCloudflare } from '../../index.ts';
import { ContractClient, hasErrorCode, type ContractResponse } from '../contract-client.ts';

/** Tokens the suite configures on the emulator (values, never real secrets). */
export const TOKENS = {
  /** Can read Pages and zones, nothing else: every write elsewhere must be a 403. */
  limited: 'contract-limited-token',
  /** Refused with 401 code 1000. */
  disabled: 'contract-disabled-token',
  /** Used only by the rate-limit scenario, so its window does not touch the others. */
  throttled: 'contract-throttled-token',
} as const;

/** The limited token's groups. */
export const LIMITED_GROUPS = ['Pages Read', 'Zone Read'];

/** The running emulator and the client whose coverage the suite prints. */
export interface ContractEnv {
  cf: LocalCloudflare;
  api: ContractClient;
}

/**
 * Asserts the status (and error code) and that the answer matched the operation's response
 * schema. A schema mismatch is a soft failure, so one scenario reports every mismatch it meets
 * instead of stopping at the first.
 */
export function expectAnswer(r: ContractResponse, status: number, code?: number): void {
  expect(r.status, `${r.operationId}: ${JSON.stringify(r.body)?.slice(0, 300)}`).toBe(status);
  expect.soft(r.issues, `${r.operationId} ${r.status} against the schema`).toEqual([]);
  if (code !== undefined) expect(hasErrorCode(r.body, code), JSON.stringify(r.body)).toBe(true);
}

/** The `result` of a success envelope. */
export function resultOf<T = Record<string, unknown>>(r: ContractResponse): T {
  return (r.body as { result: T }).result;
}

/** The mutation log entries that changed state. */
export function appliedMutations(cf: LocalCloudflare): number {
  return cf.mutations().filter((m) => m.outcome === 'applied').length;
}

/** A 32-hex identifier nothing has. */
export const UNKNOWN_ID = '0123456789abcdef0123456789abcdef';
