import { ApiTokenError, readApiToken, type ApiToken } from '../core/api-token.ts';

/**
 * The worker's Cloudflare token, from `CLOUDFLARE_API_TOKEN` or the file named by
 * `CLOUDFLARE_API_TOKEN_FILE`. It goes into the Cloudflare client and nowhere else: never into a
 * workflow input, a result, a log line or an error message (errors name the variable only).
 */
export function requireApiToken(env: NodeJS.ProcessEnv = process.env): ApiToken {
  const token = readApiToken(env);
  if (!token) {
    throw new ApiTokenError('no Cloudflare API token: set CLOUDFLARE_API_TOKEN, or CLOUDFLARE_API_TOKEN_FILE to a file holding it');
  }
  return token;
}
