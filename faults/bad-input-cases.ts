/**
 * The bad-input table: configuration, metadata and CLI flags that must each be refused with an
 * error naming the field, before anything touches Cloudflare. Router requests are in
 * router-cases.ts. Every case starts from a valid baseline and breaks exactly one thing, so the
 * refusal can only come from that one thing (the baseline itself is deployed as a control).
 */
import { LOCAL_ACCOUNT_ID, LOCAL_ZONE_ID } from '../cf-local/constants.ts';
import { FAULT_PROJECT } from './harness.ts';

/** The app every bad-input case names. */
export const BAD_INPUT_APP = 'app1';
export const BAD_INPUT_VERSION = 'v2026-11-25-000001';

/** A config the CLI accepts (kvNamespaceId and apiBaseUrl are filled in from the running stack). */
export function validConfig(kvNamespaceId: string, apiBaseUrl: string): Record<string, unknown> {
  return {
    accountId: LOCAL_ACCOUNT_ID,
    zoneId: LOCAL_ZONE_ID,
    baseDomain: 'nextdeploy.test',
    pagesProject: FAULT_PROJECT,
    kvNamespaceId,
    apiBaseUrl,
    checkPaths: ['/'],
    timeouts: { bakeSeconds: 0 },
    apps: { [BAD_INPUT_APP]: {} },
  };
}

/** Metadata the CLI accepts for {@link BAD_INPUT_APP}. */
export function validMetadata(): Record<string, unknown> {
  return {
    app: BAD_INPUT_APP,
    version: BAD_INPUT_VERSION,
    defaultTarget: `https://${FAULT_PROJECT}.pages.dev`,
    routes: { '/blog': `https://${FAULT_PROJECT}.pages.dev/blog` },
  };
}

/** One broken configuration: `edit` breaks the valid one (or `text` replaces the whole file). */
export interface ConfigCase {
  name: string;
  edit?: (config: Record<string, unknown>) => void;
  text?: string;
  /** What the error must say (the field, and why). */
  error: RegExp;
}

const app = (c: Record<string, unknown>) => (c.apps as Record<string, Record<string, unknown>>)[BAD_INPUT_APP]!;

export const CONFIG_CASES: ConfigCase[] = [
  { name: 'accountId of the wrong type', edit: (c) => (c.accountId = 12345), error: /accountId/ },
  { name: 'accountId missing', edit: (c) => delete c.accountId, error: /accountId: missing/ },
  { name: 'zoneId not 32 hex characters', edit: (c) => (c.zoneId = 'ZONE'), error: /zoneId: must be the 32-hex-character zone id/ },
  { name: 'baseDomain with a scheme', edit: (c) => (c.baseDomain = 'https://nextdeploy.test'), error: /baseDomain: must be a hostname/ },
  { name: 'baseDomain empty', edit: (c) => (c.baseDomain = ''), error: /baseDomain: must be a hostname/ },
  { name: 'pagesProject with upper case and spaces', edit: (c) => (c.pagesProject = 'My Project'), error: /pagesProject: must be a Pages project name/ },
  { name: 'kvNamespaceId empty', edit: (c) => (c.kvNamespaceId = ''), error: /kvNamespaceId: must be the 32-hex-character KV namespace id/ },
  { name: 'hostname outside the zone', edit: (c) => (app(c).hostname = 'app1.evil.example'), error: /apps\.app1\.hostname: "app1\.evil\.example" is outside the zone nextdeploy\.test/ },
  { name: 'hostname that only ends like the zone', edit: (c) => (app(c).hostname = 'evilnextdeploy.test'), error: /apps\.app1\.hostname: .* is outside the zone/ },
  { name: 'unicode hostname', edit: (c) => (app(c).hostname = 'äpp.apps.nextdeploy.test'), error: /apps\.app1\.hostname: must be a hostname/ },
  { name: 'hostname with an oversized label', edit: (c) => (app(c).hostname = `${'a'.repeat(64)}.apps.nextdeploy.test`), error: /apps\.app1\.hostname: must be a hostname/ },
  { name: 'app named __proto__', edit: (c) => Object.defineProperty(c.apps, '__proto__', { value: {}, enumerable: true }), error: /apps\.__proto__: app must be a lowercase DNS label/ },
  { name: 'app name with upper case', edit: (c) => ((c.apps as Record<string, unknown>).Bad_App = {}), error: /apps\.Bad_App: app must be a lowercase DNS label/ },
  { name: 'API token in the committed file', edit: (c) => (c.apiToken = 'not-a-real-token'), error: /apiToken: a token or secret must not be in/ },
  { name: 'unknown top-level key', edit: (c) => (c.zoneName = 'nextdeploy.test'), error: /zoneName|Unrecognized key/ },
  { name: 'bakeSeconds negative', edit: (c) => (c.timeouts = { bakeSeconds: -1 }), error: /timeouts\.bakeSeconds/ },
  { name: 'pagesDeploymentSeconds as a string', edit: (c) => (c.timeouts = { pagesDeploymentSeconds: '900' }), error: /timeouts\.pagesDeploymentSeconds/ },
  { name: 'check path with a .. segment', edit: (c) => (c.checkPaths = ['/a/../admin']), error: /checkPaths\.0: route path must not contain empty, "\." or "\.\." segments/ },
  { name: 'check paths empty', edit: (c) => (c.checkPaths = []), error: /checkPaths/ },
  { name: 'apiBaseUrl not http(s)', edit: (c) => (c.apiBaseUrl = 'ftp://127.0.0.1/client/v4'), error: /apiBaseUrl: must be an http\(s\) URL/ },
  { name: 'not JSON', text: '{ "accountId": ', error: /not valid JSON/ },
];

/** One broken metadata.json, given to `start-deploy --metadata`. */
export interface MetadataCase {
  name: string;
  edit: (metadata: Record<string, unknown>) => void;
  error: RegExp;
}

const routes = (m: Record<string, unknown>) => m.routes as Record<string, unknown>;

/** A bad route *path* is a bad record key; formatZodIssues names the key and gives the reason. */
const keyReason = (field: string, reason: string) => new RegExp(`${field}: (?:${reason})`);
const P = `https://${FAULT_PROJECT}.pages.dev`;

export const METADATA_CASES: MetadataCase[] = [
  { name: 'route target on a foreign origin', edit: (m) => (routes(m)['/blog'] = 'https://evil.example/blog'), error: /metadata\.routes\.\/blog: target host "evil\.example" is not an allowed origin/ },
  { name: 'route target that only starts like the project', edit: (m) => (routes(m)['/x'] = `${P}.evil.example/`), error: /is not an allowed origin/ },
  { name: 'default target over plain http', edit: (m) => (m.defaultTarget = `http://${FAULT_PROJECT}.pages.dev`), error: /metadata\.defaultTarget: target .* must use https/ },
  { name: 'target with credentials', edit: (m) => (m.defaultTarget = `https://user:pw@${FAULT_PROJECT}.pages.dev`), error: /metadata\.defaultTarget: .*must not carry credentials/ },
  { name: 'target with a port', edit: (m) => (routes(m)['/p'] = `${P}:8443/`), error: /metadata\.routes\.\/p: .*must not name a port/ },
  { name: 'unicode look-alike target host', edit: (m) => (m.defaultTarget = 'https://fault-prоj.pages.dev'), error: /metadata\.defaultTarget: target host "xn--fault-pr.*" is not an allowed origin/ },
  { name: 'route path with ..', edit: (m) => (routes(m)['/a/../admin'] = P), error: keyReason('metadata\\.routes\\./a/\\.\\./admin', 'route path must not contain empty') },
  { name: 'route path with an encoded slash', edit: (m) => (routes(m)['/a%2Fb'] = P), error: keyReason('metadata\\.routes\\./a%2Fb', 'route path has a malformed or slash-encoding') },
  { name: 'route path without a leading slash', edit: (m) => (routes(m).blog = P), error: keyReason('metadata\\.routes\\.blog', 'route path must start with "/"') },
  { name: 'route path __proto__', edit: (m) => Object.defineProperty(routes(m), '__proto__', { value: P, enumerable: true }), error: /metadata\.routes\.__proto__: route path "__proto__" must start with "\/"/ },
  { name: 'oversized route path', edit: (m) => (routes(m)[`/${'a'.repeat(1100)}`] = P), error: keyReason('metadata\\.routes\\./a{1100}', 'route path is longer than 1024 characters') },
  { name: 'version empty', edit: (m) => (m.version = ''), error: /metadata\.version: version must be 1-64 chars/ },
  { name: 'version oversized', edit: (m) => (m.version = `v${'1'.repeat(80)}`), error: /metadata\.version: version must be 1-64 chars/ },
  { name: 'defaultTarget missing', edit: (m) => delete m.defaultTarget, error: /metadata\.defaultTarget/ },
  { name: 'routes as an array', edit: (m) => (m.routes = [['/blog', P]]), error: /metadata\.routes/ },
  { name: 'unknown key', edit: (m) => (m.extra = true), error: /extra|Unrecognized key/ },
  { name: 'metadata of another app', edit: (m) => (m.app = 'app2'), error: /metadata\.app: .* is for app "app2", not "app1"/ },
];

/** One bad command line (the valid config and metadata are passed unless `bare`). */
export interface FlagCase {
  name: string;
  /** Arguments; `{config}`, `{metadata}`, `{build}`, `{out}` are replaced with real paths. */
  args: string[];
  error: RegExp;
}

const DEPLOY = ['start-deploy', '--config', '{config}', '--metadata', '{metadata}', '--build-dir', '{build}'];

export const FLAG_CASES: FlagCase[] = [
  { name: '--app with upper case and underscore', args: [...DEPLOY, '--app', 'Bad_App'], error: /--app: app must be a lowercase DNS label/ },
  { name: '--app empty', args: [...DEPLOY, '--app', ''], error: /--app: app must be a lowercase DNS label/ },
  { name: '--app unicode', args: [...DEPLOY, '--app', 'äpp'], error: /--app: app must be a lowercase DNS label/ },
  { name: '--app __proto__', args: [...DEPLOY, '--app', '__proto__'], error: /--app: app must be a lowercase DNS label/ },
  { name: '--app constructor (valid name, not configured)', args: [...DEPLOY, '--app', 'constructor'], error: /apps\.constructor: app "constructor" is not in/ },
  { name: '--app missing', args: [...DEPLOY], error: /required option '--app <name>' not specified/ },
  { name: '--version with a path trick', args: [...DEPLOY, '--app', BAD_INPUT_APP, '--version', '../v1'], error: /--version: version must be 1-64 chars/ },
  { name: '--version oversized', args: [...DEPLOY, '--app', BAD_INPUT_APP, '--version', `v${'9'.repeat(70)}`], error: /--version: version must be 1-64 chars/ },
  { name: '--version differing from the metadata', args: [...DEPLOY, '--app', BAD_INPUT_APP, '--version', 'v2'], error: /metadata\.version: .* but --version is "v2"/ },
  { name: '--build-dir that does not exist', args: ['start-deploy', '--config', '{config}', '--metadata', '{metadata}', '--app', BAD_INPUT_APP, '--build-dir', '/nonexistent/out'], error: /--build-dir: \/nonexistent\/out is not a folder/ },
  { name: '--metadata that does not exist', args: ['start-deploy', '--config', '{config}', '--build-dir', '{build}', '--app', BAD_INPUT_APP, '--metadata', '/nonexistent/metadata.json'], error: /--metadata: \/nonexistent\/metadata\.json does not exist/ },
  { name: '--config that does not exist', args: ['start-deploy', '--config', '/nonexistent/nextdeploy.config.json', '--app', BAD_INPUT_APP], error: /--config: \/nonexistent\/nextdeploy\.config\.json does not exist/ },
  { name: 'unknown flag', args: [...DEPLOY, '--app', BAD_INPUT_APP, '--force-everything'], error: /unknown option '--force-everything'/ },
  { name: 'extra argument', args: [...DEPLOY, '--app', BAD_INPUT_APP, 'now'], error: /too many arguments/ },
  { name: 'rollback --to with a path trick', args: ['rollback', '--config', '{config}', '--app', BAD_INPUT_APP, '--to', 'v1/../../x'], error: /--to: version must be 1-64 chars/ },
  { name: 'rollback --reason oversized', args: ['rollback', '--config', '{config}', '--app', BAD_INPUT_APP, '--reason', 'x'.repeat(501)], error: /--reason: at most 500 characters/ },
  { name: 'metadata --project not a project name', args: ['metadata', '--config', '{config}', '--app', BAD_INPUT_APP, '--next-dir', '{build}', '--out', '{out}', '--project', 'Evil Project'], error: /--project: "Evil Project" must be a Pages project name/ },
];
