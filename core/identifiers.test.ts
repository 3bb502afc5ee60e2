import { describe, expect, it } from 'vitest';
import { cloudflareIdSchema, findSecretKeys, hostnameSchema, isSecretKey, pagesProjectSchema } from './identifiers.ts';
import { findSecretFields } from './config.ts';
import { parseRollbackInput } from './deploy-input.ts';

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, v: unknown) => schema.safeParse(v).success;

describe('hostnameSchema', () => {
  it('accepts DNS names and lower-cases them', () => {
    expect(hostnameSchema.parse('App123.Apps.Example.com')).toBe('app123.apps.example.com');
    expect(ok(hostnameSchema, 'a.xn--p1ai')).toBe(true);
    expect(ok(hostnameSchema, `${'a'.repeat(63)}.example.com`)).toBe(true);
  });

  it('refuses what Cloudflare cannot attach: IPs, bare labels, numeric TLDs, schemes, ports, oversize', () => {
    for (const bad of ['1.2.3.4', 'localhost', 'app.123', 'https://a.example.com', 'a.example.com:443', 'a.example.com/x',
      '-a.example.com', 'a-.example.com', 'äpp.example.com', `${'a'.repeat(64)}.example.com`, `${'a.'.repeat(126)}com`, '', '__proto__']) {
      expect(ok(hostnameSchema, bad), bad).toBe(false);
    }
  });
});

describe('cloudflareIdSchema', () => {
  it('wants 32 lowercase hex characters and says where the dashboard shows the id', () => {
    expect(ok(cloudflareIdSchema('zone id'), '023e105f4ecef8ad9ca31a8372d0c353')).toBe(true);
    for (const bad of ['023E105F4ECEF8AD9CA31A8372D0C353', '023e105f4ecef8ad9ca31a8372d0c35', '023e105f4ecef8ad9ca31a8372d0c3533', '__proto__']) {
      expect(ok(cloudflareIdSchema('zone id'), bad), bad).toBe(false);
    }
    expect(cloudflareIdSchema('KV namespace id').safeParse('x').error?.issues[0]?.message).toMatch(/^must be the 32-hex-character KV namespace id \(Cloudflare dashboard → Workers KV/);
  });
});

describe('pagesProjectSchema', () => {
  it('is a DNS label of at most 58 characters', () => {
    expect(ok(pagesProjectSchema, 'shop')).toBe(true);
    expect(ok(pagesProjectSchema, 'a'.repeat(58))).toBe(true);
    for (const bad of ['a'.repeat(59), 'Shop', 'my_project', '-shop', 'shop-', '', '__proto__']) {
      expect(ok(pagesProjectSchema, bad), bad).toBe(false);
    }
  });
});

describe('the secret-key rule', () => {
  it('names tokens, keys, passwords and credentials, not ordinary fields', () => {
    for (const key of ['token', 'apiToken', 'CLOUDFLARE_API_KEY', 'api-key', 'clientSecret', 'password', 'passwd', 'Authorization', 'credentials']) {
      expect(isSecretKey(key), key).toBe(true);
    }
    for (const key of ['accountId', 'hostname', 'pagesProject', 'checkPaths', '__proto__', 'constructor']) {
      expect(isSecretKey(key), key).toBe(false);
    }
  });

  it('finds secrets at any depth, under a JSON "__proto__" key too', () => {
    const raw = JSON.parse('{"__proto__": {"apiToken": "x"}, "a": {"b": {"c": {"d": {"password": "y"}}}}, "list": [{"secret": 1}]}');
    expect(findSecretKeys(raw)).toEqual([['__proto__', 'apiToken'], ['a', 'b', 'c', 'd', 'password'], ['list', '0', 'secret']]);
    expect(findSecretKeys(raw, ['a'])).toEqual([['__proto__', 'apiToken'], ['list', '0', 'secret']]);
  });

  it('is the same rule for the config file and the workflow inputs', () => {
    const raw = JSON.parse('{"__proto__": {"credential": "x"}}');
    expect(findSecretFields(raw)).toEqual(['__proto__.credential']);
    expect(() => parseRollbackInput({ ...raw })).toThrow(/"credential" looks like a secret/);
  });
});
