import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OUTPUT_PATH, readSchema, renderPermissionsModule } from '../scripts/generate-permissions.ts';
import { OPERATION_PERMISSIONS, PERMISSION_GROUPS } from './permissions.generated.ts';
import { DASHBOARD_PERMISSIONS, dashboardName } from './dashboard-permissions.ts';

describe('the generated permission table', () => {
  it('is exactly what the vendored schema generates (run `npm run generate:permissions` if not)', () => {
    expect(readFileSync(OUTPUT_PATH, 'utf8')).toBe(renderPermissionsModule(readSchema()));
  });

  it('has one row per operation of the schema, each with a unique operationId', () => {
    const schema = readSchema();
    const count = Object.values(schema.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    expect(OPERATION_PERMISSIONS).toHaveLength(count);
    expect(new Set(OPERATION_PERMISSIONS.map((op) => op.operationId)).size).toBe(count);
  });

  it('carries the groups and SDK call the schema names', () => {
    const create = OPERATION_PERMISSIONS.find((op) => op.method === 'POST' && op.path === '/accounts/{account_id}/pages/projects/{project_name}/domains');
    expect(create).toMatchObject({ permissionGroups: ['Pages Write'], sdk: { group: 'pages.projects.domains', method: 'create' } });
    const list = OPERATION_PERMISSIONS.find((op) => op.method === 'GET' && op.path === '/zones/{zone_id}/dns_records');
    expect(list?.permissionGroups).toEqual(['DNS Read', 'DNS Write']);
    const verify = OPERATION_PERMISSIONS.find((op) => op.operationId === 'user-api-tokens-verify-token');
    expect(verify?.permissionGroups).toEqual([]);
  });

  it('lists each group of an operation once, even where the schema repeats one', () => {
    for (const op of OPERATION_PERMISSIONS) expect(new Set(op.permissionGroups).size).toBe(op.permissionGroups.length);
  });

  it('detects a schema change: a renamed group renders a different module', () => {
    const schema = readSchema();
    const changed = structuredClone(schema);
    const post = changed.paths['/zones/{zone_id}/dns_records']!.post!;
    post['x-api-token-group'] = ['DNS Edit'];
    expect(renderPermissionsModule(changed)).not.toBe(renderPermissionsModule(schema));
  });
});

describe('dashboard names', () => {
  it('cover every permission group the schema names', () => {
    for (const group of PERMISSION_GROUPS) expect(dashboardName(group), group).toMatch(/^(Account|Zone|User) → .+ → .+$/);
    expect(Object.keys(DASHBOARD_PERMISSIONS).sort()).toEqual([...PERMISSION_GROUPS].sort());
  });

  it('name the groups the way the dashboard does', () => {
    expect(dashboardName('DNS Write')).toBe('Zone → DNS → Edit');
    expect(dashboardName('Pages Write')).toBe('Account → Cloudflare Pages → Edit');
    expect(dashboardName('Workers KV Storage Write')).toBe('Account → Workers KV Storage → Edit');
  });

  it('know nothing of names outside the schema, including prototype keys', () => {
    expect(dashboardName('__proto__')).toBeUndefined();
    expect(dashboardName('constructor')).toBeUndefined();
    expect(dashboardName('DNS Admin')).toBeUndefined();
  });
});
