/** Fixed identities of the local Cloudflare (stable across restarts, so config written against them keeps working). */

/** The one account (32 hex, like a real account tag). */
export const LOCAL_ACCOUNT_ID = '6e1f0c0ab8b54b2a9b3d6c1f0c0de1a1';
export const LOCAL_ACCOUNT_NAME = 'nextdeploy local';

/** The one active zone. */
export const LOCAL_ZONE_ID = '3a7c0a8fd1e2447fa0b1c2d3e4f5a6b7';
export const LOCAL_ZONE_NAME = 'nextdeploy.test';

/** The user that owns the account (the API has a user behind every token). */
export const LOCAL_USER_ID = '0d5e2c1b7a9f4e3d8c6b5a4f3e2d1c0b';
export const LOCAL_USER_EMAIL = 'local@nextdeploy.test';

/** The id of the default (all-permission) token. */
export const DEFAULT_TOKEN_ID = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';

/** The account's workers.dev subdomain: `<script>.nextdeploy-local.workers.dev` and its version URLs. */
export const LOCAL_WORKERS_SUBDOMAIN = 'nextdeploy-local';

/** Pages projects are served under `<project>.pages.dev` at the edge. */
export const PAGES_DEV_SUFFIX = 'pages.dev';

/** Default rate limit of the real API: 1,200 requests per 5 minutes per token (fundamentals/api/reference/limits). */
export const DEFAULT_RATE_LIMIT = { requests: 1200, windowMs: 300_000 } as const;

/** The emulator's own control API lives here, outside `/client/v4`. */
export const CONTROL_PREFIX = '/__cf-local';
export const API_PREFIX = '/client/v4';
