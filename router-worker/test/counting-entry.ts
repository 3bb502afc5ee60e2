/**
 * Test and benchmark entry: the real router with its KV binding wrapped to count reads.
 * `GET /__test/kv-reads` answers `{ reads, keys }` (and resets with `?reset=1`);
 * `GET /__test/kv-fail?on=1|0` makes every KV read throw, as in a KV outage. Never deployed.
 */
import router from '../src/index.ts';

let reads = 0;
let failing = false;
let keys: string[] = [];
const wrapped = new WeakMap<object, Env>();

function countingKv(kv: KVNamespace): KVNamespace {
  return new Proxy(kv, {
    get(target, property) {
      if (property === 'get' || property === 'getWithMetadata') {
        return (key: string, ...rest: unknown[]) => {
          reads++;
          if (keys.length < 1000) keys.push(key);
          if (failing) return Promise.reject(new Error('KV GET failed: 503 (simulated outage)'));
          return (target[property] as (...a: unknown[]) => unknown).call(target, key, ...rest);
        };
      }
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export default {
  async fetch(request, env) {
    // A string test first, so measured requests pay for no second URL parse.
    const url = request.url.includes('/__test/') ? new URL(request.url) : null;
    if (url?.pathname === '/__test/kv-fail') {
      failing = url.searchParams.get('on') === '1';
      return Response.json({ failing });
    }
    if (url?.pathname === '/__test/kv-reads') {
      const body = { reads, keys };
      if (url.searchParams.has('reset')) {
        reads = 0;
        keys = [];
      }
      return Response.json(body);
    }
    let counted = wrapped.get(env);
    if (counted === undefined) {
      counted = { ...env, ROUTES: countingKv(env.ROUTES) };
      wrapped.set(env, counted);
    }
    return router.fetch(request, counted);
  },
} satisfies ExportedHandler<Env>;
