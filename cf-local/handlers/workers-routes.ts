/** Workers routes: a script's routes across zones (wrangler deploy: PUT replaces them) and zone routes. */
import type { RouteCreateResponse } from 'cloudflare/resources/workers/routes';
import type { LocalCloudflareCore } from '../account-model.ts';
import { CfApiError, Errors } from '../errors.ts';
import { hexId } from '../http.ts';
import type { RouteDef } from '../api-routes.ts';
import type { RouteRecord } from '../state.ts';
import { addRoute } from '../workers/model.ts';
import { S, scriptOf } from './workers-scripts.ts';

const ROUTES_READ = ['Workers Routes Read', 'Workers Routes Write'];
const ROUTES_WRITE = ['Workers Routes Write'];


function routeView(r: RouteRecord): RouteCreateResponse {
  return { id: r.id, pattern: r.pattern, ...(r.script ? { script: r.script } : {}) };
}

function scriptRouteView(core: LocalCloudflareCore, r: RouteRecord) {
  const zone = core.store.data.zones.find((z) => z.id === r.zoneId);
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
      return { result: ctx.core.store.data.routes.filter((r) => r.script === s.id).map((r) => scriptRouteView(ctx.core, r)) };
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
        const zone = ctx.core.store.data.zones.find((z) => (w.zone_id ? z.id === w.zone_id : w.zone_name ? z.name === w.zone_name : host === z.name || host.endsWith(`.${z.name}`)));
        if (!zone) throw new CfApiError(400, { code: 10022, message: `Could not find a zone for route pattern "${pattern}".` });
        return { pattern, zoneId: zone.id };
      });
      const d = ctx.core.store.data;
      d.routes = d.routes.filter((r) => r.script !== s.id && !resolved.some((x) => x.pattern === r.pattern && x.zoneId === r.zoneId));
      const added = resolved.map((x) => ({ id: hexId(), zoneId: x.zoneId, pattern: x.pattern, script: s.id }));
      d.routes.push(...added);
      ctx.core.persist();
      return { result: added.map((r) => scriptRouteView(ctx.core, r)) };
    },
  },
  // routes
  {
    method: 'GET',
    template: '/zones/{zone_id}/workers/routes',
    operation: 'workers.routes.list',
    permissions: ROUTES_READ,
    handler: (ctx) => {
      const zone = ctx.core.zone(ctx.params.zone_id!);
      return { result: ctx.core.store.data.routes.filter((r) => r.zoneId === zone.id).map(routeView) };
    },
  },
  {
    method: 'POST',
    template: '/zones/{zone_id}/workers/routes',
    operation: 'workers.routes.create',
    permissions: ROUTES_WRITE,
    handler: (ctx) => {
      const zone = ctx.core.zone(ctx.params.zone_id!);
      const body = ctx.json<{ pattern?: string; script?: string }>();
      return { result: routeView(addRoute(ctx.core, zone.id, String(body.pattern ?? ''), body.script)) };
    },
  },
  {
    method: 'GET',
    template: '/zones/{zone_id}/workers/routes/{route_id}',
    operation: 'workers.routes.get',
    permissions: ROUTES_READ,
    handler: (ctx) => {
      const zone = ctx.core.zone(ctx.params.zone_id!);
      const r = ctx.core.store.data.routes.find((x) => x.zoneId === zone.id && x.id === ctx.params.route_id);
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
      const zone = ctx.core.zone(ctx.params.zone_id!);
      const r = ctx.core.store.data.routes.find((x) => x.zoneId === zone.id && x.id === ctx.params.route_id);
      if (!r) throw Errors.workerRouteNotFound();
      const body = ctx.json<{ pattern?: string; script?: string }>();
      if (body.pattern) r.pattern = body.pattern;
      if (body.script !== undefined) r.script = body.script || undefined;
      ctx.core.persist();
      return { result: routeView(r) };
    },
  },
  {
    method: 'DELETE',
    template: '/zones/{zone_id}/workers/routes/{route_id}',
    operation: 'workers.routes.delete',
    permissions: ROUTES_WRITE,
    handler: (ctx) => {
      const zone = ctx.core.zone(ctx.params.zone_id!);
      const r = ctx.core.store.data.routes.find((x) => x.zoneId === zone.id && x.id === ctx.params.route_id);
      if (!r) throw Errors.workerRouteNotFound();
      ctx.core.store.data.routes = ctx.core.store.data.routes.filter((x) => x !== r);
      ctx.core.persist();
      return { result: { id: r.id } };
    },
  },
];
