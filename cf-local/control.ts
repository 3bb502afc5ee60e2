/**
 * The control API (outside /client/v4, no auth: it is the test harness's door): faults, build and
 * domain scenarios, the mutation log, request counters, tokens, rate limit, timing, state dump, reset.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LocalCloudflare } from './local-cloudflare.ts';
import { sendJson } from './http.ts';

export function controlHandler(getCf: () => LocalCloudflare) {
  return async (req: IncomingMessage, res: ServerResponse, path: string, raw: Buffer): Promise<void> => {
    const cf = getCf();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://local');
    let body: Record<string, unknown> = {};
    if (raw.length) {
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        sendJson(res, 400, { error: 'body must be JSON' });
        return;
      }
    }
    const ok = (v: unknown, status = 200) => sendJson(res, status, v);
    const route = `${method} ${path.replace(/\/+$/, '') || '/'}`;
    let m: RegExpExecArray | null = null;
    try {
      switch (true) {
        case route === 'GET /':
          return ok(cf.info());
        case route === 'GET /faults':
          return ok(cf.faults.list());
        case route === 'POST /faults':
          return ok(cf.addFault(body), 201);
        case route === 'DELETE /faults':
          cf.faults.clear();
          return ok({ cleared: true });
        case (m = /^DELETE \/faults\/([\w-]+)$/.exec(route)) !== null:
          return ok({ removed: cf.faults.remove(m![1]!) });
        case route === 'GET /scenarios/build-failures':
          return ok(cf.core.buildFailures);
        case route === 'POST /scenarios/build-failures':
          return ok(cf.failBuilds(body), 201);
        case route === 'DELETE /scenarios/build-failures':
          cf.core.clearBuildFailures();
          return ok({ cleared: true });
        case route === 'GET /scenarios/domains':
          return ok(cf.core.domainScenarios);
        case route === 'POST /scenarios/domains':
          return ok(cf.domainScenario(body as { domain: string; mode: 'stuck' | 'error' }), 201);
        case route === 'DELETE /scenarios/domains':
          cf.core.clearDomainScenarios();
          return ok({ cleared: true });
        case route === 'GET /mutations': {
          const since = Number(url.searchParams.get('since') ?? '0');
          return ok(cf.mutations().filter((e) => e.seq > since));
        }
        case route === 'DELETE /mutations':
          cf.core.observe.clearMutations();
          return ok({ cleared: true });
        case route === 'GET /requests':
          return ok({ perToken: Object.fromEntries(cf.core.observe.perToken), recent: cf.core.observe.requests.slice(-200) });
        case route === 'POST /tokens': {
          const t = cf.addToken(body as never);
          return ok({ id: t.id, name: t.name }, 201);
        }
        case route === 'PUT /rate-limit':
          cf.setRateLimit(body as { requests: number; windowMs: number });
          return ok(cf.core.rateLimiter.config);
        case route === 'PUT /timing':
          Object.assign(cf.core.timing, body);
          return ok(cf.core.timing);
        case route === 'GET /state':
          return ok(cf.state());
        case route === 'POST /reset':
          await cf.reset();
          return ok({ reset: true });
        case route === 'POST /workers':
          return ok(await cf.deployWorker(body as never), 201);
        default:
          return ok({ error: `no control route ${route}` }, 404);
      }
    } catch (err) {
      const status = (err as { status?: number }).status ?? 400;
      ok({ error: err instanceof Error ? err.message : String(err) }, status);
    }
  };
}
