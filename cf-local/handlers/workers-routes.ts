/** Workers routes: a script's routes across zones (wrangler deploy: PUT replaces them) and zone routes. */
import type { RouteCreateResponse } from 'cloudflare/resources/workers/routes';
import type { AccountModel } from '../account-model.ts';
import { CfApiError, Errors } from '../errors.ts';
import type { RouteDef } from '../api-routes.ts';
import type { RouteRecord } from '../state.ts';
import { addRoute, findRoute, listRoutes, removeRoute, replaceScriptRoutes, updateRoute } from '../workers/model.ts';
import { findZoneById, findZoneByName, zoneForHostname } from '../zones/model.ts';
import { S, scriptOf } from './workers-scripts.ts';

const ROUTES_READ = ['Workers Routes Read', 'Workers Routes Write'];
const ROUTES_WRITE = ['Workers Routes Write'];


function routeView(r: RouteRecord): RouteCreateResponse {
  return { id: r.id, pattern: r.pattern, ...(r.script ? { script: r.script } : {}) };
}

function scriptRouteView(account: AccountModel, r: RouteRecord) {
  const zone = findZoneById(account.store, r.zoneId);
  return { id: r.id, pattern: r.pattern, script: r.script, zone_id: r.zoneId, zone_name: zone?.name };
}

/** Routes of one script and of a zone. */
export const workersRouteRoutes: RouteDef[] = [
  // routes of one script across zones (wrangler deploy: PUT replaces them)
  {
    method: 'GET',
    template: `${S}/{script_name}/routes`,
    operation: 'workers.scripts.routes.list',
    permissions: ROUTES_READ,
    handler: (ctx) => {
      const s = scriptOf(ctx);
      return { result: listRoutes(ctx.account, { script: s.id }).map((r) => scriptRouteView(ctx.account, r)) };
    },
  },
  {
    method: 'PUT',
    template: `${S}/{script_name}/routes`,
    operation: 'workers.scripts.routes.update',
    permissions: ROUTES_WRITE,
    handler: (ctx) => {
      const s = scriptOf(ctx);
      const wanted = ctx.json<Array<{ pattern?: string; zone_id?: string; zone_name?: string; custom_domain?: boolean }>>();
      if (!Array.isArray(wanted)) throw new CfApiError(400, { code: 10022, message: 'Expected an array of routes.' });
      const resolved = wanted.map((w) => {
        const pattern = String(w.pattern ?? '');
        if (w.custom_domain) throw new CfApiError(400, { code: 10022, message: 'Custom domains for Workers are not emulated; use a route pattern.' });
        const host = pattern.replace(/^https?:\/\//, '').split('/')[0]!.replace(/^\*\.?/, '');
        const zone = w.zone_id ? findZoneById(ctx.account.store, w.zone_id) : w.zone_name ? findZoneByName(ctx.account.store, w.zone_name) : zoneForHostname(ctx.account.store, host);
        if (!zone) throw new CfApiError(400, { code: 10022, message: `Could not find a zone for route pattern "${pattern}".` });
        return { pattern, zoneId: zone.id };
      });
      const added = replaceScriptRoutes(ctx.account, s.id, resolved);
      return { result: added.map((r) => scriptRouteView(ctx.account, r)) };
    },
  },
  // routes
  {
    method: 'GET',
    template: '/zones/{zone_id}/workers/routes',
    operation: 'workers.routes.list',
    permissions: ROUTES_READ,
    handler: (ctx) => {
      const zone = ctx.account.zone(ctx.params.zone_id!);
      return { result: listRoutes(ctx.account, { zoneId: zone.id }).map(routeView) };
    },
  },
  {
    method: 'POST',
    template: '/zones/{zone_id}/workers/routes',
    operation: 'workers.routes.create',
    permissions: ROUTES_WRITE,
    handler: (ctx) => {
      const zone = ctx.account.zone(ctx.params.zone_id!);
      const body = ctx.json<{ pattern?: string; script?: string }>();
      return { result: routeView(addRoute(ctx.account, zone.id, String(body.pattern ?? ''), body.script)) };
    },
  },
  {
    method: 'GET',
    template: '/zones/{zone_id}/workers/routes/{route_id}',
    operation: 'workers.routes.get',
    permissions: ROUTES_READ,
    handler: (ctx) => {
      const zone = ctx.account.zone(ctx.params.zone_id!);
      const r = findRoute(ctx.account, zone.id, ctx.params.route_id!);
      if (!r) throw Errors.workerRouteNotFound();
      return { result: routeView(r) };
    },
  },
  {
    method: 'PUT',
    template: '/zones/{zone_id}/workers/routes/{route_id}',
    operation: 'workers.routes.update',
    permissions: ROUTES_WRITE,
    handler: (ctx) => {
      const zone = ctx.account.zone(ctx.params.zone_id!);
      const r = findRoute(ctx.account, zone.id, ctx.params.route_id!);
      if (!r) throw Errors.workerRouteNotFound();
      const body = ctx.json<{ pattern?: string; script?: string }>();
      return { result: routeView(updateRoute(ctx.account, r, body)) };
    },
  },
  {
    method: 'DELETE',
    template: '/zones/{zone_id}/workers/routes/{route_id}',
    operation: 'workers.routes.delete',
    permissions: ROUTES_WRITE,
    handler: (ctx) => {
      const zone = ctx.account.zone(ctx.params.zone_id!);
      const r = findRoute(ctx.account, zone.id, ctx.params.route_id!);
      if (!r) throw Errors.workerRouteNotFound();
      removeRoute(ctx.account, r);
      return { result: { id: r.id } };
    },
  },
];
