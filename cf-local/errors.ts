/**
 * Cloudflare API errors: the codes and messages the product meets, each with where it was seen.
 * The envelope is `{ success: false, errors: [{ code, message }], messages: [], result: null }`.
 */

export interface CfErrorItem {
  code: number;
  message: string;
  error_chain?: CfErrorItem[];
}

export class CfApiError extends Error {
  readonly status: number;
  readonly errors: CfErrorItem[];
  readonly headers: Record<string, string>;
  constructor(status: number, errors: CfErrorItem | CfErrorItem[], headers: Record<string, string> = {}) {
    const list = Array.isArray(errors) ? errors : [errors];
    super(list.map((e) => `${e.message} [code: ${e.code}]`).join('; '));
    this.status = status;
    this.errors = list;
    this.headers = headers;
  }
}

const e = (status: number, code: number, message: string) => () => new CfApiError(status, { code, message });

export const Errors = {
  // --- auth -------------------------------------------------------------------------------
  /** No credentials at all: the API falls back to key auth and asks for its headers.
   *  Source: wrangler's own comments ("code 9106 and 10000 are authentication errors"),
   *  kissgyorgy/cloudflare-dyndns#40 (1001/6003 variants for malformed headers). */
  missingAuth: () =>
    new CfApiError(400, [
      { code: 9106, message: 'Missing X-Auth-Email header' },
      { code: 9107, message: 'Missing X-Auth-Key header' },
    ]),
  /** Malformed `Authorization` header. Source: kissgyorgy/cloudflare-dyndns#40, favonia/cloudflare-ddns#1043. */
  badAuthHeader: () =>
    new CfApiError(400, {
      code: 6003,
      message: 'Invalid request headers',
      error_chain: [{ code: 6111, message: 'Invalid format for Authorization header' }],
    }),
  /** Unknown, disabled or expired token. Source: developers.cloudflare.com fundamentals "Verify token"
   *  (401 `{"code":1000,"message":"Invalid API Token"}`). */
  invalidToken: e(401, 1000, 'Invalid API Token'),
  /** The token is valid but holds none of the permission groups the operation needs.
   *  Source: favonia/cloudflare-ddns#897 ("10000 probably means ... insufficient permissions"),
   *  wrangler (treats 10000 as an authentication error). */
  missingPermission: e(403, 10000, 'Authentication error'),
  /** Rate limited. Source: lablabs/cloudflare-exporter#74 ("More than 1200 requests per 300 seconds reached.
   *  Please wait and consider throttling your request speed"); code 971 from the API's 429 bodies. */
  rateLimited: e(429, 971, 'Please wait and consider throttling your request speed'),

  // --- routing ------------------------------------------------------------------------------
  /** No such route. Source: the API's answer to unknown paths (`{"code":7000,"message":"No route for that URI"}`). */
  noRoute: e(404, 7000, 'No route for that URI'),
  /** An identifier that is not one. Source: the API's 7003 "Could not route to ..., perhaps your object identifier is invalid?". */
  badIdentifier: (path: string) =>
    new CfApiError(400, { code: 7003, message: `Could not route to ${path}, perhaps your object identifier is invalid?` }),
  methodNotAllowed: e(405, 10405, 'Method not allowed for this authentication scheme'),
  /** Request body that is not JSON. Source: the API's 6007 "Malformed JSON in request body". */
  malformedJson: e(400, 6007, 'Malformed JSON in request body'),
  /** Validation failures (field named in the message). */
  invalidRequest: (message: string) => new CfApiError(400, { code: 1004, message }),

  // --- zones / DNS --------------------------------------------------------------------------
  /** Source: the API's answer for a zone id the token cannot see (1001 "Invalid zone identifier"). */
  zoneNotFound: e(404, 1001, 'Invalid zone identifier'),
  /** Same type, name and content as an existing record. Source: jeessy2/ddns-go#1378,
   *  ZhiXuanWang/cf-speed-dns#55 (`{"code":81058,"message":"An identical record already exists."}`, status 400). */
  dnsIdentical: e(400, 81058, 'An identical record already exists.'),
  /** A/AAAA/CNAME where a CNAME (or a CNAME where A/AAAA/CNAME) exists at the host.
   *  Source: cloudflare/terraform-provider-cloudflare#1247 (81053, status 400), HermanMartinus/bearblog#105. */
  dnsHostConflict: e(400, 81053, 'An A, AAAA, or CNAME record with that host already exists.'),
  /** Source: favonia/cloudflare-ddns#990 ("A CNAME record with that host already exists. (81054)"). */
  dnsCnameConflict: e(400, 81054, 'A CNAME record with that host already exists.'),
  /** Source: the DNS API's 81044 "Record does not exist." for an unknown record id. */
  dnsRecordNotFound: e(404, 81044, 'Record does not exist.'),

  // --- Workers KV ---------------------------------------------------------------------------
  /** Source: cloudflare/wrangler-legacy#454 ("Error 10013: namespace not found"). */
  kvNamespaceNotFound: e(404, 10013, 'namespace not found'),
  /** Source: cloudflare/workers-sdk#13242 ("a namespace with this account ID and title already exists [code: 10014]"). */
  kvNamespaceTitleExists: e(400, 10014, 'a namespace with this account ID and title already exists'),
  /** Source: the KV REST API's 404 for a missing key (`{"code":10009,"message":"get: 'key not found'"}`). */
  kvKeyNotFound: e(404, 10009, "get: 'key not found'"),
  /** Key longer than 512 bytes. Message as the KV service words it (cloudflare/cloudflare-docs#3666:
   *  "UTF-8 encoded length of 513 exceeds key length limit of 512"); code: the KV API's 10019 (not confirmed in a public source). */
  kvKeyTooLong: (len: number) => new CfApiError(414, { code: 10019, message: `UTF-8 encoded length of ${len} exceeds key length limit of 512.` }),
  /** Value larger than 25 MiB (developers.cloudflare.com/kv/platform/limits); code: the KV API's 10011 (not confirmed in a public source). */
  kvValueTooLarge: (len: number) => new CfApiError(413, { code: 10011, message: `Value length of ${len} exceeds limit of 26214400.` }),
  kvMetadataTooLarge: (len: number) => new CfApiError(413, { code: 10012, message: `Metadata length of ${len} exceeds limit of 1024.` }),
  kvInvalidExpiration: (message: string) => new CfApiError(400, { code: 10033, message }),

  // --- Pages --------------------------------------------------------------------------------
  /** Source: cloudflare/workers-sdk#15313 ("Project not found. The specified project name does not match any
   *  of your existing projects. [code: 8000007]"); wrangler checks `err.code === 8000007`. */
  pagesProjectNotFound: e(404, 8000007, 'Project not found. The specified project name does not match any of your existing projects.'),
  /** Source: the Pages API's 8000002 on create with a taken name. */
  pagesProjectExists: e(409, 8000002, 'A project with this name already exists. Choose a different project name.'),
  /** Source: the Pages API's 8000009 for an unknown deployment id. */
  pagesDeploymentNotFound: e(404, 8000009, 'The deployment ID you have specified does not exist. Update the deployment ID and try again.'),
  /** Source: wrangler (`e.code === 8000013 /* UNAUTHORIZED *\/` for the Direct Upload JWT). */
  pagesUploadUnauthorized: e(401, 8000013, 'Authorization failed'),
  /** Source: the Pages API's 8000000 generic error (wrangler retries on `8e6 /* UNKNOWN_ERROR *\/`). */
  pagesUnknown: e(500, 8000000, 'An unknown error occurred. Contact Cloudflare support if the problem persists.'),
  /** Deleting the live production deployment. Source: the Pages API (8000034); message as the dashboard shows it. */
  pagesCannotDeleteLive: e(400, 8000034, 'You cannot delete the latest production deployment. Roll back to another deployment first, or use force.'),
  /** Manifest names files never uploaded (emulator wording; the real API fails the deployment, code not public). */
  pagesMissingAssets: (n: number) => new CfApiError(400, { code: 8000096, message: `${n} file(s) in the manifest have not been uploaded.` }),
  /** Source: cloudflare/terraform-provider-cloudflare#1976 ("Domain is unavailable (8000018)"). The same code is
   *  returned when the domain is already on this project; the dashboard words it "You have already added this custom domain." */
  pagesDomainExists: e(409, 8000018, 'You have already added this custom domain.'),
  pagesDomainUnavailable: e(409, 8000018, 'Domain is unavailable'),
  /** Source: the Pages API's 8000005 for an unknown custom domain on a project. */
  pagesDomainNotFound: e(404, 8000005, 'Domain not found.'),
  pagesInvalidProjectName: e(400, 8000005, 'Invalid project name. Project names must begin with a lowercase letter or digit and contain only lowercase letters, digits, and hyphens.'),

  // --- Workers scripts / routes -------------------------------------------------------------
  /** Source: wrangler (`WORKER_NOT_FOUND_ERR_CODE = 10007`). */
  workerNotFound: e(404, 10007, 'This Worker does not exist on your account.'),
  /** Script that fails validation/startup. Source: wrangler (code 10021 with the startup error in notes). */
  workerValidation: (message: string) => new CfApiError(400, { code: 10021, message }),
  /** Source: the Workers routes API's 10020 for a duplicate pattern. */
  workerRouteExists: e(409, 10020, 'A route with the same pattern already exists.'),
  workerRouteNotFound: e(404, 10020, 'Route not found.'),
};
