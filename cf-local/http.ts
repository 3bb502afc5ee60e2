import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CfErrorItem } from './errors.ts';

export async function readRaw(req: IncomingMessage, limit = 200 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

export interface Envelope {
  success: boolean;
  errors: CfErrorItem[];
  messages: Array<{ code: number; message: string; type?: string | null }>;
  result: unknown;
  result_info?: unknown;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function envelopeOk(result: unknown, extra: { result_info?: unknown; messages?: Envelope['messages'] } = {}): Envelope {
  const env: Envelope = { success: true, errors: [], messages: extra.messages ?? [], result };
  if (extra.result_info !== undefined) env.result_info = extra.result_info;
  return env;
}

export function envelopeErr(errors: CfErrorItem[]): Envelope {
  return { success: false, errors, messages: [], result: null };
}

/** Parse a multipart/form-data (or urlencoded) body with the platform's own parser. */
export async function parseForm(raw: Buffer, contentType: string): Promise<FormData> {
  return new Response(raw, { headers: { 'content-type': contentType } }).formData();
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Lowercase Cloudflare-style hex id (32 chars). */
export function hexId(): string {
  return crypto.randomUUID().replace(/-/g, '');
}
