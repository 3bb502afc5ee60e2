import { describe, expect, it } from 'vitest';
import { findOperation, pathIsKnown, validateRequest, validateResponse } from './operations.ts';

const ZONE = '023e105f4ecef8ad9ca31a8372d0c353';
const ACCOUNT = '6e1f0c0ab8b54b2a9b3d6c1f0c0de1a1';
const ok = { success: true, errors: [], messages: [] };
const failure = { success: false, errors: [{ code: 10000, message: 'Authentication error' }], messages: [], result: null };

function op(method: string, path: string) {
  const found = findOperation(method, path);
  if (found === undefined) throw new Error(`no operation for ${method} ${path}`);
  return found;
}

describe('findOperation', () => {
  it('routes a path below /client/v4 to its operation, template, groups and decoded parameters', () => {
    expect(op('post', `/zones/${ZONE}/dns_records`)).toMatchObject({
      operationId: 'dns-records-for-a-zone-create-dns-record',
      method: 'POST',
      template: '/zones/{zone_id}/dns_records',
      pathParams: { zone_id: ZONE },
      permissionGroups: ['DNS Write'],
    });
  });

  it('prefers literal segments over parameters', () => {
    expect(op('GET', '/user/tokens/verify').operationId).toBe('user-api-tokens-verify-token');
    expect(op('GET', '/user/tokens/permission_groups').operationId).toBe('permission-groups-list-permission-groups');
    expect(op('GET', '/user/tokens/abc').operationId).toBe('user-api-tokens-token-details');
    expect(op('GET', `/accounts/${ACCOUNT}/tokens/verify`).operationId).toBe('account-api-tokens-verify-token');
  });

  it('keeps an encoded slash inside a KV key and decodes it', () => {
    const found = op('PUT', `/accounts/${ACCOUNT}/storage/kv/namespaces/ns/values/app%2Factive%3Av1`);
    expect(found.pathParams.key_name).toBe('app/active:v1');
  });

  it('ignores one trailing slash and answers undefined for unknown paths and methods', () => {
    expect(op('GET', '/zones/').operationId).toBe('zones-get');
    expect(findOperation('GET', '/memberships')).toBeUndefined();
    expect(findOperation('POST', `/zones/${ZONE}/dns_records/x/y`)).toBeUndefined();
    expect(findOperation('POST', '/user/tokens/verify')).toBeUndefined();
    expect(pathIsKnown('/user/tokens/verify')).toBe(true);
    expect(pathIsKnown('/nope')).toBe(false);
  });

  it('takes prototype names as plain parameter values', () => {
    const found = op('GET', `/accounts/${ACCOUNT}/pages/projects/__proto__`);
    expect(found.pathParams.project_name).toBe('__proto__');
    expect(op('GET', `/accounts/${ACCOUNT}/pages/projects/constructor`).pathParams.project_name).toBe('constructor');
    expect(findOperation('GET', '/__proto__')).toBeUndefined();
  });
});

describe('validateRequest', () => {
  const create = op('POST', `/zones/${ZONE}/dns_records`);
  const req = (body: unknown, query = '') => ({
    query: new URLSearchParams(query),
    body,
    contentType: 'application/json',
    pathParams: create.pathParams,
  });

  it('accepts a body the schema allows', () => {
    expect(validateRequest(create, req({ type: 'CNAME', name: 'app.example.com', content: 'p.pages.dev', ttl: 1, proxied: true }))).toEqual([]);
  });

  it('rejects a deliberately wrong body, naming each field', () => {
    const issues = validateRequest(create, req({ type: 'CNAME', name: 42, content: 'p.pages.dev', ttl: 'auto' }));
    expect(issues.map((i) => i.field)).toEqual(expect.arrayContaining(['body.name', 'body.ttl']));
    expect(issues.find((i) => i.field === 'body.name')?.message).toBe('must be string');
  });

  it('reports an unknown discriminator value against the discriminator, not every record type', () => {
    const issues = validateRequest(create, req({ type: 'BOGUS', name: 'a.example.com', ttl: 1 }));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.field).toBe('body.type');
  });

  it('resolves $refs into components (an A record must carry an IPv4 address)', () => {
    expect(validateRequest(create, req({ type: 'A', name: 'a.example.com', content: '198.51.100.4', ttl: 1 }))).toEqual([]);
    expect(validateRequest(create, req({ type: 'A', name: 'a.example.com', content: 'not-an-ip', ttl: 1 }))).toEqual([
      { field: 'body.content', message: 'must match format "ipv4"' },
    ]);
  });

  it('takes the path parameters from the matched operation when none are passed', () => {
    const put = op('PUT', `/accounts/${ACCOUNT}/storage/kv/namespaces/ns/values/${'k'.repeat(513)}`);
    const issues = validateRequest(put, { query: new URLSearchParams(), body: 'v', contentType: 'application/octet-stream' });
    expect(issues.map((i) => i.field)).toEqual(['path.key_name']);
  });

  it("lets a $ref's sibling `required` replace the component's list (the SDK's optional zone of workers.domains.update)", () => {
    const attach = op('PUT', `/accounts/${ACCOUNT}/workers/domains`);
    const body = (b: unknown) => ({ ...req(b), pathParams: attach.pathParams });
    expect(validateRequest(attach, body({ hostname: 'app.example.com', service: 'w' }))).toEqual([]);
    expect(validateRequest(attach, body({ service: 'w', zone_id: 42 })).map((i) => i.field).sort()).toEqual(['body.hostname', 'body.zone_id']);
  });

  it('requires a required body', () => {
    expect(validateRequest(create, req(undefined))).toEqual([{ field: 'body', message: 'request body is required' }]);
  });

  it('checks query parameters with their types, path parameters with their limits', () => {
    const list = op('GET', `/zones/${ZONE}/dns_records`);
    const issues = validateRequest(list, { query: new URLSearchParams('per_page=lots&page=2&name.exact=a&type=CNAME'), body: undefined, pathParams: list.pathParams });
    expect(issues).toEqual([{ field: 'query.per_page', message: 'must be number' }]);
    const put = op('PUT', `/accounts/${ACCOUNT}/storage/kv/namespaces/ns/values/${'k'.repeat(513)}`);
    const kv = validateRequest(put, { query: new URLSearchParams('expiration_ttl=10'), body: 'v', contentType: 'application/octet-stream', pathParams: put.pathParams });
    expect(kv.map((i) => i.field)).toEqual(['path.key_name', 'query.expiration_ttl']);
  });

  it('checks only that required multipart parts exist, and leaves raw bytes alone', () => {
    const put = op('PUT', `/accounts/${ACCOUNT}/storage/kv/namespaces/ns/values/k`);
    const base = { query: new URLSearchParams(), pathParams: put.pathParams };
    expect(validateRequest(put, { ...base, body: { metadata: '{}' }, contentType: 'multipart/form-data; boundary=x' })).toEqual([
      { field: 'body.value', message: 'is required' },
    ]);
    const form = new FormData();
    form.set('value', 'v');
    expect(validateRequest(put, { ...base, body: form, contentType: 'multipart/form-data; boundary=x' })).toEqual([]);
    expect(validateRequest(put, { ...base, body: new Uint8Array([1, 2]), contentType: 'application/octet-stream' })).toEqual([]);
  });
});

describe('validateResponse', () => {
  const list = op('GET', `/zones/${ZONE}/dns_records`);
  const project = op('GET', `/accounts/${ACCOUNT}/pages/projects/p`);

  it('checks a 200 against the 200 schema', () => {
    const body = { ...ok, result: [], result_info: { page: 1, per_page: 20, count: 0, total_count: 0 } };
    expect(validateResponse(list, 200, body)).toEqual([]);
    expect(validateResponse(list, 200, { ...body, result: {} })).toEqual([{ field: 'body.result', message: 'must be array' }]);
  });

  it('checks a 403 against the 4XX schema, and can fail', () => {
    expect(validateResponse(list, 403, failure)).toEqual([]);
    expect(validateResponse(list, 403, { ...failure, errors: [{ code: '10000', message: 'x' }] })).toEqual([
      { field: 'body.errors[0].code', message: 'must be integer' },
    ]);
  });

  it('honours nullable: a project with no deployment yet has latest_deployment null', () => {
    const issues = validateResponse(project, 200, { ...ok, result: { latest_deployment: null, canonical_deployment: null } });
    expect(issues.map((i) => i.field)).not.toContain('body.result.latest_deployment');
    const wrong = validateResponse(project, 200, { ...ok, result: { latest_deployment: 'x', canonical_deployment: null } });
    expect(wrong.map((i) => i.field)).toContain('body.result.latest_deployment');
  });

  it('flags a status the operation does not document', () => {
    expect(validateResponse(list, 500, failure)).toEqual([
      { field: 'status', message: 'status 500 is not documented for dns-records-for-a-zone-list-dns-records' },
    ]);
  });
});
