import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporalTargetFromEnv } from './temporal-connection.ts';

describe('temporalTargetFromEnv', () => {
  it('means the embedded dev server when TEMPORAL_ADDRESS is unset', () => {
    expect(temporalTargetFromEnv({})).toEqual({ external: false, namespace: 'default', description: 'embedded Temporal dev server' });
  });

  it('connects to an existing server in plain text', () => {
    const target = temporalTargetFromEnv({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'deploys' });
    expect(target).toMatchObject({ external: true, namespace: 'deploys', connection: { address: 'temporal:7233' } });
    expect(target.connection!.tls).toBeUndefined();
  });

  it('uses TLS, the API key and the namespace header for Temporal Cloud, and never prints the key', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nd-'));
    writeFileSync(path.join(dir, 'key'), 'secret-api-key\n');
    const target = temporalTargetFromEnv({
      TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233',
      TEMPORAL_NAMESPACE: 'prod.acct1',
      TEMPORAL_API_KEY_FILE: path.join(dir, 'key'),
    });
    expect(target.connection).toMatchObject({ tls: true, apiKey: 'secret-api-key', metadata: { 'temporal-namespace': 'prod.acct1' } });
    expect(target.description).not.toContain('secret-api-key');
  });

  it('loads an mTLS client certificate pair', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nd-'));
    writeFileSync(path.join(dir, 'c.pem'), 'CERT');
    writeFileSync(path.join(dir, 'k.pem'), 'KEY');
    const target = temporalTargetFromEnv({
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_TLS_CERT: path.join(dir, 'c.pem'),
      TEMPORAL_TLS_KEY: path.join(dir, 'k.pem'),
    });
    const tls = target.connection!.tls as { clientCertPair: { crt: Buffer; key: Buffer } };
    expect(tls.clientCertPair.crt.toString()).toBe('CERT');
    expect(tls.clientCertPair.key.toString()).toBe('KEY');
  });

  it.each([
    [{ TEMPORAL_ADDRESS: 'no-port' }, /TEMPORAL_ADDRESS: .*host:port/],
    [{ TEMPORAL_ADDRESS: 'a:1', TEMPORAL_TLS_CERT: '/x' }, /TEMPORAL_TLS_KEY: .*go together/],
    [{ TEMPORAL_API_KEY: 'k' }, /TEMPORAL_ADDRESS: an API key needs/],
    [{ TEMPORAL_ADDRESS: 'a:1', TEMPORAL_API_KEY: 'k', TEMPORAL_API_KEY_FILE: '/k' }, /TEMPORAL_API_KEY_FILE/],
  ])('refuses %o naming the variable', (env, message) => {
    expect(() => temporalTargetFromEnv(env)).toThrow(message);
  });
});
