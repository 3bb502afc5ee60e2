/**
 * Workers static assets: the upload session (`POST .../scripts/{name}/assets-upload-session`), the
 * bucket upload (`POST .../workers/assets/upload`, authorised by the session's JWT) and the
 * completion token a version upload redeems. Asset bytes live in the account's one content store
 * (state.ts, keyed by hash), so a file any earlier version (or Pages deployment) uploaded is never
 * asked for again: a re-deploy uploads only what changed.
 * Source for the flow: developers.cloudflare.com/workers/static-assets/direct-upload.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { AccountModel } from '../account-model.ts';
import { CfApiError } from '../errors.ts';
import type { VersionAssets } from '../state.ts';

/** Source: developers.cloudflare.com/workers/platform/limits (static assets, Workers Free). */
export const MAX_ASSET_FILES = 20_000;
/** Source: the same page: 25 MiB per asset file. */
export const MAX_ASSET_BYTES = 25 * 1024 * 1024;
/** Source: the direct-upload docs ("The JWT is valid for one hour"). */
export const ASSET_JWT_TTL_MS = 60 * 60 * 1000;
/** A manifest hash: 32 hex (wrangler's truncated blake3); part names of a bucket upload are checked against it too. */
const HASH = /^[0-9a-f]{32}$/;
/** How the emulator groups missing files into upload requests (Cloudflare's own choice is not published). */
const BUCKET_FILES = 2_000;
const BUCKET_BYTES = 40 * 1024 * 1024;

/**
 * Codes are the Workers API's validation code (10021) and its authentication failure (10000):
 * Cloudflare publishes no specific codes for these assets checks; messages say what is wrong.
 */
export const AssetErrors = {
  tooManyFiles: (n: number) => new CfApiError(400, { code: 10021, message: `Asset manifest has ${n} files; a Worker version may have at most ${MAX_ASSET_FILES}.` }),
  tooLarge: (path: string, size: number) => new CfApiError(400, { code: 10021, message: `Asset ${path} is ${size} bytes; the limit is ${MAX_ASSET_BYTES} (25 MiB) per file.` }),
  badManifest: (why: string) => new CfApiError(400, { code: 10021, message: `Invalid asset manifest: ${why}` }),
  unauthorized: () => new CfApiError(401, { code: 10000, message: 'Authentication error: invalid or expired assets upload JWT.' }),
  notInSession: (hash: string) => new CfApiError(400, { code: 10021, message: `File ${hash} is not part of this upload session.` }),
  badCompletion: () => new CfApiError(400, { code: 10021, message: 'Invalid or expired assets completion JWT. Start a new assets upload session.' }),
  noAssets: () => new CfApiError(400, { code: 10021, message: 'Cannot use an assets binding without assets.' }),
};

interface Session {
  script: string;
  manifest: VersionAssets['manifest'];
  pending: Set<string>;
  expiresAtMs: number;
}

/** Upload sessions and their tokens; held in memory (a session outlives no emulator, as its one-hour JWT would not). */
export class AssetUploads {
  private readonly secret = randomBytes(32);
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly account: AccountModel) {}

  private sign(payload: Record<string, unknown>): string {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
    return `${head}.${createHmac('sha256', this.secret).update(head).digest('base64url')}`;
  }

  private open(jwt: string, kind: 'upload' | 'completion'): { sid: string; session: Session } | undefined {
    const [h, p, s] = jwt.split('.');
    if (!h || !p || !s) return undefined;
    const want = createHmac('sha256', this.secret).update(`${h}.${p}`).digest();
    const got = Buffer.from(s, 'base64url');
    if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as { sid: string; kind: string };
    const session = this.sessions.get(payload.sid);
    if (payload.kind !== kind || !session || session.expiresAtMs <= this.account.now()) return undefined;
    return { sid: payload.sid, session };
  }

  /** Registers a manifest: buckets of the hashes the account lacks and the upload JWT, or the completion JWT when none is missing. */
  createSession(script: string, manifest: unknown): { jwt: string; buckets: string[][] } {
    if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest)) throw AssetErrors.badManifest('manifest must be an object of "/path": {hash, size}');
    const entries = Object.entries(manifest as Record<string, { hash?: unknown; size?: unknown }>);
    if (entries.length > MAX_ASSET_FILES) throw AssetErrors.tooManyFiles(entries.length);
    const clean: VersionAssets['manifest'] = Object.create(null) as VersionAssets['manifest'];
    const sizes = new Map<string, number>();
    for (const [p, v] of entries) {
      if (!p.startsWith('/') || typeof v?.hash !== 'string' || !HASH.test(v.hash) || typeof v.size !== 'number') throw AssetErrors.badManifest(`entry ${p}`);
      if (v.size > MAX_ASSET_BYTES) throw AssetErrors.tooLarge(p, v.size);
      clean[p] = { hash: v.hash, size: v.size };
      sizes.set(v.hash, v.size);
    }
    const missing = [...sizes.keys()].filter((h) => !this.account.store.hasAsset(h));
    const sid = randomUUID();
    this.sessions.set(sid, { script, manifest: clean, pending: new Set(missing), expiresAtMs: this.account.now() + ASSET_JWT_TTL_MS });
    if (missing.length === 0) return { jwt: this.sign({ sid, kind: 'completion' }), buckets: [] };
    const buckets: string[][] = [];
    let cur: string[] = [];
    let bytes = 0;
    for (const h of missing) {
      const size = sizes.get(h)!;
      if (cur.length > 0 && (cur.length >= BUCKET_FILES || bytes + size > BUCKET_BYTES)) {
        buckets.push(cur);
        cur = [];
        bytes = 0;
      }
      cur.push(h);
      bytes += size;
    }
    buckets.push(cur);
    return { jwt: this.sign({ sid, kind: 'upload' }), buckets };
  }

  /** The session an `Authorization: Bearer <upload jwt>` opens (401 when forged, expired or spent). */
  authorise(authorization: string | undefined): string {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    const opened = m ? this.open(m[1]!, 'upload') : undefined;
    if (!opened) throw AssetErrors.unauthorized();
    return opened.sid;
  }

  /** Stores one bucket (hash → base64 content); the completion JWT once every missing file is in. */
  upload(sid: string, files: Array<{ hash: string; base64: string; contentType: string }>): { jwt?: string } {
    const session = this.sessions.get(sid);
    if (!session) throw AssetErrors.unauthorized();
    for (const f of files) if (!HASH.test(f.hash) || (!session.pending.has(f.hash) && !this.account.store.hasAsset(f.hash))) throw AssetErrors.notInSession(f.hash);
    for (const f of files) {
      const bytes = Buffer.from(f.base64, 'base64');
      if (bytes.length > MAX_ASSET_BYTES) throw AssetErrors.tooLarge(f.hash, bytes.length);
      this.account.store.putAsset(f.hash, f.contentType || 'application/octet-stream', bytes);
      session.pending.delete(f.hash);
    }
    this.account.persist();
    return session.pending.size === 0 ? { jwt: this.sign({ sid, kind: 'completion' }) } : {};
  }

  /** Redeems a completion JWT for the script's version upload: the manifest it covers. */
  redeem(script: string, jwt: unknown): VersionAssets['manifest'] {
    const opened = typeof jwt === 'string' ? this.open(jwt, 'completion') : undefined;
    if (!opened || opened.session.script !== script || opened.session.pending.size > 0) throw AssetErrors.badCompletion();
    return { ...opened.session.manifest };
  }
}

const uploads = new WeakMap<AccountModel, AssetUploads>();

/** The account's upload sessions (kept beside the model, which does not import this module). */
export function assetUploads(account: AccountModel): AssetUploads {
  let u = uploads.get(account);
  if (!u) uploads.set(account, (u = new AssetUploads(account)));
  return u;
}
