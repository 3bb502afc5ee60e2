/**
 * Test and benchmark entry: the real router with its KV binding wrapped to count reads.
 * `GET /__test/kv-reads` answers `{ reads, keys, lastOptions }` (and resets with `?reset=1`);
 * `GET /__test/kv-fail?on=1|0[&writes=1]` makes every KV read (or with `writes`, every write)
 * throw, as in a KV outage or rate limit. Never deployed.
 */
import router from '../src/index.ts';

let reads = 0;
let failing = false;
let failingWrites = false;
let keys: string[] = [];
/** The options of the latest read, e.g. `{ type: 'text', cacheTtl: 60 }`. */
let lastOptions: unknown = null;
const wrapped = new WeakMap<object, Env>();

function countingKv(kv: KVNamespace): KVNamespace {
  return new Proxy(kv, {
    get(target, property) {
      if (property === 'get' || property === 'getWithMetadata') {
        return (key: string, ...rest: unknown[]) => {
          reads++;
          if (keys.length < 1000) keys.push(key);
          lastOptions = rest[0] ?? null;
          if (failing) return Promise.reject(new Error('KV GET failed: 503 (simulated outage)'));
          return (target[property] as (...a: unknown[]) => unknown).call(target, key, ...rest);
        };
      }
      if (property === 'put') {
        return (...args: Parameters<KVNamespace['put']>) =>
          failingWrites ? Promise.reject(new Error('KV PUT failed: 429 (simulated rate limit)')) : target.put(...args);
      }
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export default {
  async fetch(request, env, ctx) {
    // A string test first, so measured requests pay for no second URL parse.
    const url = request.url.includes('/__test/') ? new URL(request.url) : null;
    if (url?.pathname === '/__test/kv-fail') {
      const on = url.searchParams.get('on') === '1';
      failingWrites = on && url.searchParams.has('writes');
      failing = on && !failingWrites;
      return Response.json({ failing, failingWrites });
    }
    if (url?.pathname === '/__test/kv-reads') {
      const body = { reads, keys, lastOptions };
      if (url.searchParams.has('reset')) {
        reads = 0;
        keys = [];
        lastOptions = null;
      }
      return Response.json(body);
    }
    let counted = wrapped.get(env);
    if (counted === undefined) {
      counted = { ...env, ROUTES: countingKv(env.ROUTES) };
      wrapped.set(env, counted);
    }
    return router.fetch(request, counted, ctx);
  },
} satisfies ExportedHandler<Env>;
