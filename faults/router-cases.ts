/**
 * Bad requests to the router (running in workerd behind the local edge): each must get a 4xx with
 * the router's failure code, and must not change KV or the emulator's state.
 */
import { BAD_INPUT_APP } from './bad-input-cases.ts';

const APPS = 'apps.nextdeploy.test';

/** One request; `auth` adds the router's real admin bearer token. */
export interface RouterCase {
  name: string;
  host: string;
  path: string;
  method?: string;
  auth?: 'admin' | 'wrong';
  status: number;
  /** The `x-nextdeploy-error` code. */
  code: string;
}

export const ROUTER_CASES: RouterCase[] = [
  { name: 'host two labels deep', host: `a.b.${APPS}`, path: '/', status: 404, code: 'unknown_host' },
  { name: 'host label with upper case and underscore', host: `Bad_App.${APPS}`, path: '/', status: 404, code: 'unknown_host' },
  { name: 'host label starting with a hyphen', host: `-app.${APPS}`, path: '/', status: 404, code: 'unknown_host' },
  { name: 'host label over 63 characters', host: `${'a'.repeat(64)}.${APPS}`, path: '/', status: 404, code: 'unknown_host' },
  { name: 'host __proto__', host: `__proto__.${APPS}`, path: '/', status: 404, code: 'unknown_host' },
  { name: 'host constructor (valid label, no such app)', host: `constructor.${APPS}`, path: '/', status: 404, code: 'app_not_found' },
  { name: 'punycode (unicode) host of no app', host: `xn--pp-wka.${APPS}`, path: '/', status: 404, code: 'app_not_found' },
  { name: 'app never deployed, path trick', host: `${BAD_INPUT_APP}.${APPS}`, path: '/..%2F..%2F__admin/switch', status: 404, code: 'app_not_found' },
  { name: 'admin switch without a token', host: `${BAD_INPUT_APP}.${APPS}`, path: `/__admin/switch?app=${BAD_INPUT_APP}&version=v1`, method: 'POST', status: 401, code: 'unauthorized' },
  { name: 'admin switch with a wrong token', host: `${BAD_INPUT_APP}.${APPS}`, path: `/__admin/switch?app=${BAD_INPUT_APP}&version=v1`, method: 'POST', auth: 'wrong', status: 401, code: 'unauthorized' },
  { name: 'admin switch by GET', host: `${BAD_INPUT_APP}.${APPS}`, path: `/__admin/switch?app=${BAD_INPUT_APP}&version=v1`, auth: 'admin', status: 405, code: 'method_not_allowed' },
  { name: 'admin switch with a bad app', host: `${BAD_INPUT_APP}.${APPS}`, path: '/__admin/switch?app=Bad_App&version=v1', method: 'POST', auth: 'admin', status: 400, code: 'bad_request' },
  { name: 'admin switch with an empty app', host: `${BAD_INPUT_APP}.${APPS}`, path: '/__admin/switch?app=&version=v1', method: 'POST', auth: 'admin', status: 400, code: 'bad_request' },
  { name: 'admin switch with a path-trick version', host: `${BAD_INPUT_APP}.${APPS}`, path: `/__admin/switch?app=${BAD_INPUT_APP}&version=..%2F..%2Fx`, method: 'POST', auth: 'admin', status: 400, code: 'bad_request' },
  { name: 'admin switch with an oversized version', host: `${BAD_INPUT_APP}.${APPS}`, path: `/__admin/switch?app=${BAD_INPUT_APP}&version=v${'1'.repeat(80)}`, method: 'POST', auth: 'admin', status: 400, code: 'bad_request' },
  { name: 'admin switch to a version that does not exist', host: `${BAD_INPUT_APP}.${APPS}`, path: `/__admin/switch?app=${BAD_INPUT_APP}&version=v404`, method: 'POST', auth: 'admin', status: 404, code: 'unknown_version' },
  { name: 'admin path that does not exist', host: `${BAD_INPUT_APP}.${APPS}`, path: '/__admin/delete-everything', auth: 'admin', status: 404, code: 'not_found' },
];
