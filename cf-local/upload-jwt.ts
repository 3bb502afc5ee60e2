/**
 * The Direct Upload JWT that `GET …/upload-token` hands out and the asset endpoints accept
 * (HS256 over a per-process secret, so tokens die with the emulator as they would expire anyway).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { LOCAL_ACCOUNT_ID } from './constants.ts';
import { Errors } from './errors.ts';
import type { ProjectRecord } from './state.ts';

/** Issues and verifies upload JWTs for the local account's Pages projects. */
export class UploadJwtSigner {
  private readonly secret = randomBytes(32);

  issue(project: ProjectRecord, nowMs: number, ttlMs: number): string {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(nowMs / 1000);
    const payload = {
      accountId: LOCAL_ACCOUNT_ID,
      projectId: project.id,
      projectName: project.name,
      iat: now,
      exp: now + Math.floor(ttlMs / 1000),
    };
    const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
    const sig = createHmac('sha256', this.secret).update(head).digest('base64url');
    return `${head}.${sig}`;
  }

  /** The project the token was issued for; a malformed, forged or expired token is Pages' 401. */
  verify(jwt: string, nowMs: number): { projectName: string } {
    const parts = jwt.split('.');
    if (parts.length !== 3) throw Errors.pagesUploadUnauthorized();
    const [h, p, s] = parts as [string, string, string];
    const expected = createHmac('sha256', this.secret).update(`${h}.${p}`).digest();
    const given = Buffer.from(s, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw Errors.pagesUploadUnauthorized();
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as { projectName: string; exp: number };
    if (payload.exp * 1000 <= nowMs) throw Errors.pagesUploadUnauthorized();
    return { projectName: payload.projectName };
  }
}
