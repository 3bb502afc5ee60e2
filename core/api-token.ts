// Safe for: node only (reads the token file with node:fs)
import { readFileSync } from 'node:fs';

/** The API token and where it came from (the name of the variable, never the value). */
export interface ApiToken {
  value: string;
  source: 'CLOUDFLARE_API_TOKEN' | 'CLOUDFLARE_API_TOKEN_FILE';
}

/** A token that is set but unusable; the message names the variable and never the token. */
export class ApiTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiTokenError';
  }
}

/**
 * Reads the Cloudflare API token from `CLOUDFLARE_API_TOKEN`, else from the file named by
 * `CLOUDFLARE_API_TOKEN_FILE` (Docker secrets, Vault agent, Doppler mounts); `undefined` if
 * neither is set. Both set is refused: which one wins would be a guess.
 */
export function readApiToken(env: NodeJS.ProcessEnv = process.env): ApiToken | undefined {
  const direct = env.CLOUDFLARE_API_TOKEN?.trim();
  const file = env.CLOUDFLARE_API_TOKEN_FILE?.trim();
  if (direct && file) {
    throw new ApiTokenError('both CLOUDFLARE_API_TOKEN and CLOUDFLARE_API_TOKEN_FILE are set; unset one of them');
  }
  if (direct) return { value: direct, source: 'CLOUDFLARE_API_TOKEN' };
  if (!file) return undefined;
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ApiTokenError(`CLOUDFLARE_API_TOKEN_FILE names ${file}, which cannot be read (${code}); point it at the file holding the token`);
  }
  const value = content.trim();
  if (value === '') throw new ApiTokenError(`CLOUDFLARE_API_TOKEN_FILE names ${file}, which is empty; write the token into it`);
  if (/\s/.test(value)) throw new ApiTokenError(`CLOUDFLARE_API_TOKEN_FILE names ${file}, which holds more than one word; it must hold the token alone`);
  return { value, source: 'CLOUDFLARE_API_TOKEN_FILE' };
}
