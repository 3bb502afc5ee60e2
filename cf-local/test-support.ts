/** Small helpers shared by the cf-local tests. */
import { hash } from 'blake3-wasm';

/** Pages Direct Upload asset hash: first 32 hex of blake3(base64(content) + extension), as wrangler computes it. */
export function assetHash(content: Buffer | string, filename: string): string {
  const buf = typeof content === 'string' ? Buffer.from(content) : content;
  const ext = filename.includes('.') ? filename.split('.').pop()! : '';
  return hash(buf.toString('base64') + ext).toString('hex').slice(0, 32);
}

export async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met in ${timeoutMs} ms: ${JSON.stringify(v).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}
