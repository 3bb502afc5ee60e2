/**
 * The contract suite: the local Cloudflare answers what Cloudflare's own schema
 * (cf-local/openapi/openapi.json) says. Every emulated operation is driven over real HTTP,
 * happy path and main error paths, and every answer is validated against the operation's
 * response schema for its status. Prints `validated N of M operations in the schema`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloudflare, type LocalCloudflare } from './index.ts';
import { ContractClient } from './openapi/contract-client.ts';
import { findOperation, validateRequest, validateResponse } from './openapi/operations.ts';
import { LIMITED_GROUPS, TOKENS, type ContractEnv } from './openapi/contract/env.ts';
import { dnsContract, identityContract } from './openapi/contract/identity-dns.ts';
import { kvContract } from './openapi/contract/kv.ts';
import { limitsContract } from './openapi/contract/limits.ts';
import { pagesContract } from './openapi/contract/pages.ts';
import { workersContract } from './openapi/contract/workers.ts';
import { workersVersionsContract } from './openapi/contract/workers-versions.ts';
import { workersDomainsContract } from './openapi/contract/workers-domains.ts';

describe('the validator the suite relies on', () => {
  it('rejects a deliberately wrong body, resolving $refs into components', () => {
    const op = findOperation('POST', '/zones/023e105f4ecef8ad9ca31a8372d0c353/dns_records')!;
    const good = { type: 'A', name: 'a.example.com', content: '198.51.100.4', ttl: 1 };
    expect(validateRequest(op, { query: new URLSearchParams(), body: good, contentType: 'application/json' })).toEqual([]);
    const wrong = { ...good, content: 'not-an-address', ttl: 'auto' };
    const issues = validateRequest(op, { query: new URLSearchParams(), body: wrong, contentType: 'application/json' });
    expect(issues.map((i) => i.field).sort()).toEqual(['body.content', 'body.ttl', 'body.ttl']);
  });

  it('rejects a wrong response body and honours nullable', () => {
    const op = findOperation('GET', '/accounts/a/pages/projects/p/deployments/d')!;
    const failure = { success: false, errors: [{ code: 8000009, message: 'x' }], messages: [], result: null };
    expect(validateResponse(op, 404, failure)).toEqual([]);
    expect(validateResponse(op, 404, { ...failure, success: 'no' }).map((i) => i.field)).toContain('body.success');
  });
});

describe('the local Cloudflare against the schema', () => {
  let cf: LocalCloudflare;
  let api: ContractClient;
  const env = (): ContractEnv => ({ cf, api });

  beforeAll(async () => {
    cf = await startLocalCloudflare({
      tokens: [
        { value: TOKENS.limited, permissionGroups: LIMITED_GROUPS, name: 'contract limited' },
        { value: TOKENS.disabled, status: 'disabled', name: 'contract disabled' },
        { value: TOKENS.throttled, name: 'contract throttled' },
      ],
      timing: { buildStepMs: 10, directUploadStepMs: 10, domainActivationMs: 50 },
      seed: { projects: [{ name: 'contract-git', git: true }] },
    });
    api = new ContractClient(cf.apiBaseUrl, cf.token);
  });

  afterAll(async () => {
    await cf?.stop();
  });

  identityContract(env);
  dnsContract(env);
  kvContract(env);
  pagesContract(env);
  workersContract(env);
  workersVersionsContract(env);
  workersDomainsContract(env);
  limitsContract(env);

  it('prints its coverage, drove every emulated operation and saw no schema mismatch', async () => {
    const { line, notDriven } = api.coverage();
    const unimplemented: string[] = [];
    const undriven: string[] = [];
    for (const op of notDriven) {
      const params = { account_id: cf.accountId, zone_id: cf.zone.id };
      const name = `${op.method} ${op.path} (${op.operationId})`;
      (await api.isUnimplemented(op.method, op.path, params) ? unimplemented : undriven).push(name);
    }
    console.log(
      [
        line,
        `not implemented by the emulator (listed, not failed):\n  ${unimplemented.join('\n  ')}`,
        `answered by the emulator but not driven here:\n  ${undriven.join('\n  ') || '(none)'}`,
        `schema defects waived:\n  ${[...api.waived].join('\n  ') || '(none)'}`,
        api.mismatches.length > 0 ? `MISMATCHES:\n  ${api.mismatches.join('\n  ')}` : 'no mismatches',
      ].join('\n'),
    );
    expect(api.mismatches).toEqual([]);
    // An operation the emulator answers must be driven here, or the count above would flatter it.
    expect(undriven).toEqual([]);
  });
});
