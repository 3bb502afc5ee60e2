/**
 * Workers Custom Domains over HTTP (thin over workers/custom-domains.ts): list with the schema's
 * filters, attach (PUT), get and detach by id. The groups are the schema's `x-api-token-group`
 * (the pipeline takes them from core/permissions.generated.ts; these are its fallback and match it,
 * see workers-domains.test.ts): reads take Workers Scripts Read or Write, changes Write.
 */
import type { Ctx, RouteDef } from '../api-routes.ts';
import { attachWorkerDomain, detachWorkerDomain, DomainErrors, domainView, findWorkerDomain, listWorkerDomains, type AttachInput, type DomainFilters } from '../workers/custom-domains.ts';
import { SCRIPTS_READ, SCRIPTS_WRITE } from './workers-scripts.ts';

const D = '/accounts/{account_id}/workers/domains';
const FILTERS = ['zone_id', 'zone_name', 'service', 'hostname', 'environment'] as const;

/** The domain named in the path (404 when the account has none with that id). */
function domainOf(ctx: Ctx) {
  ctx.account.checkAccount(ctx.params.account_id);
  const d = findWorkerDomain(ctx.account, ctx.params.domain_id!);
  if (!d) throw DomainErrors.notFound(ctx.path);
  return d;
}

/** List, attach, get and detach Workers Custom Domains. */
export const workersDomainRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: D,
    operation: 'workers.domains.list',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      ctx.account.checkAccount(ctx.params.account_id);
      // A fixed list of names read from the query: no lookup keyed by what the caller sent.
      const filters: DomainFilters = {};
      for (const name of FILTERS) {
        const v = ctx.query.get(name);
        if (v !== null) filters[name] = v;
      }
      // The SDK reads this list as a SinglePage: every domain in one answer, no result_info.
      return { result: listWorkerDomains(ctx.account, filters).map(domainView) };
    },
  },
  {
    method: 'PUT',
    template: D,
    operation: 'workers.domains.update',
    permissions: SCRIPTS_WRITE,
    handler: (ctx) => {
      ctx.account.checkAccount(ctx.params.account_id);
      const body = ctx.json<unknown>();
      const input: AttachInput = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as AttachInput) : {};
      return { result: domainView(attachWorkerDomain(ctx.account, input)) };
    },
  },
  {
    method: 'GET',
    template: `${D}/{domain_id}`,
    operation: 'workers.domains.get',
    permissions: SCRIPTS_READ,
    handler: (ctx) => ({ result: domainView(domainOf(ctx)) }),
  },
  {
    method: 'DELETE',
    template: `${D}/{domain_id}`,
    operation: 'workers.domains.delete',
    permissions: SCRIPTS_WRITE,
    handler: (ctx) => {
      detachWorkerDomain(ctx.account, domainOf(ctx));
      // The schema's answer is the bare envelope (workers_api-response-common); result is null.
      return { result: null };
    },
  },
];
