/** Pages custom-domain HTTP routes; the status model is pages/domains.ts. */
import { randomBytes, randomUUID } from 'node:crypto';
import { CfApiError, Errors } from '../errors.ts';
import { hexId } from '../http.ts';
import type { Ctx, RouteDef } from '../api-routes.ts';
import type { DomainRecord, ProjectRecord } from '../state.ts';
import { domainStatus, domainView } from '../pages/domains.ts';
import { addDomain, findDomainByName, findProjectDomain, projectDomains, removeDomain } from '../pages/domain-records.ts';
import { zoneForHostname } from '../zones/model.ts';
import { projectOf } from './pages.ts';

const READ = ['Pages Read', 'Pages Write'];
const WRITE = ['Pages Write'];
const P = '/accounts/{account_id}/pages/projects';


function findDomain(ctx: Ctx, p: ProjectRecord): DomainRecord {
  const name = ctx.params.domain_name!.toLowerCase();
  const d = findProjectDomain(ctx.account, p.name, name);
  if (!d) throw Errors.pagesDomainNotFound();
  return d;
}

/** Custom domains of a Pages project. */
export const pagesDomainRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: `${P}/{project_name}/domains`,
    operation: 'pages.projects.domains.list',
    permissions: READ,
    handler: (ctx) => {
      const p = projectOf(ctx);
      return { result: projectDomains(ctx.account, p.name).map((d) => domainView(ctx.account, d)) };
    },
  },
  {
    method: 'POST',
    template: `${P}/{project_name}/domains`,
    operation: 'pages.projects.domains.create',
    permissions: WRITE,
    handler: (ctx) => {
      const p = projectOf(ctx);
      const { name: raw } = ctx.json<{ name?: string }>();
      const name = String(raw ?? '').trim().toLowerCase().replace(/\.$/, '');
      if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(name))
        throw new CfApiError(400, { code: 8000039, message: 'Invalid domain name. Enter a valid domain, e.g. shop.example.com.' });
      const existing = findDomainByName(ctx.account, name);
      if (existing) throw existing.project_name === p.name ? Errors.pagesDomainExists() : Errors.pagesDomainUnavailable();
      const zone = zoneForHostname(ctx.account.store, name);
      const rec: DomainRecord = {
        id: randomUUID(),
        name,
        project_name: p.name,
        created_on: ctx.account.isoNow(),
        createdAtMs: ctx.account.now(),
        domain_id: randomUUID(),
        zone_tag: zone?.id ?? hexId(),
        activationMs: ctx.account.timing.domainActivationMs,
        scenario: ctx.account.domainScenarioFor(name) ?? 'normal',
        certificate_authority: 'google',
        txt_value: hexId(),
        acme_token: randomBytes(24).toString('base64url'),
      };
      return { result: domainView(ctx.account, addDomain(ctx.account, rec)) };
    },
  },
  {
    method: 'GET',
    template: `${P}/{project_name}/domains/{domain_name}`,
    operation: 'pages.projects.domains.get',
    permissions: READ,
    handler: (ctx) => ({ result: domainView(ctx.account, findDomain(ctx, projectOf(ctx))) }),
  },
  {
    method: 'PATCH',
    template: `${P}/{project_name}/domains/{domain_name}`,
    operation: 'pages.projects.domains.edit',
    permissions: WRITE,
    handler: (ctx) => {
      // "Retry validation": an errored domain starts over (unless a scenario still says error).
      const d = findDomain(ctx, projectOf(ctx));
      if (domainStatus(ctx.account, d) === 'error') {
        d.scenario = ctx.account.domainScenarioFor(d.name) === 'error' ? 'error' : 'normal';
        d.createdAtMs = ctx.account.now();
        delete d.validation_error;
        ctx.account.certificateAuthority?.reset(d.id);
        ctx.account.persist();
      }
      return { result: domainView(ctx.account, d) };
    },
  },
  {
    method: 'DELETE',
    template: `${P}/{project_name}/domains/{domain_name}`,
    operation: 'pages.projects.domains.delete',
    permissions: WRITE,
    handler: (ctx) => {
      const d = findDomain(ctx, projectOf(ctx));
      removeDomain(ctx.account, d);
      return { result: null };
    },
  },
];
