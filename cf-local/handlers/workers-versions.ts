/**
 * Workers script secrets, workers.dev subdomain and deployments/versions: the current script is one
 * version at 100 % (what wrangler reads before and after a deploy).
 */
import { CfApiError, Errors } from '../errors.ts';
import type { RouteDef } from '../api-routes.ts';
import { putScript } from '../workers/model.ts';
import { S, SCRIPTS_READ, SCRIPTS_WRITE, scriptOf, versionId, versionView } from './workers-scripts.ts';

/** Secrets, subdomain and versions of one Workers script. */
export const workersVersionRoutes: RouteDef[] = [

  // secrets (wrangler lists them before a deploy, and puts them one by one)
  {
    method: 'GET',
    template: `${S}/{script_name}/secrets`,
    operation: 'workers.scripts.secrets.list',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      const s = scriptOf(ctx);
      return { result: s.bindings.filter((b) => b.type === 'secret_text').map((b) => ({ name: b.name, type: 'secret_text' })) };
    },
  },
  {
    method: 'PUT',
    template: `${S}/{script_name}/secrets`,
    operation: 'workers.scripts.secrets.update',
    permissions: SCRIPTS_WRITE,
    handler: async (ctx) => {
      const s = scriptOf(ctx);
      const body = ctx.json<{ name?: string; text?: string; type?: string }>();
      if (!body.name || typeof body.text !== 'string') throw Errors.workerValidation('A secret needs a name and a text.');
      const bindings = [...s.bindings.filter((b) => b.name !== body.name), { type: 'secret_text', name: body.name, text: body.text }];
      await putScript(ctx.account, s.id, { main_module: s.main_module, bindings, compatibility_date: s.compatibility_date, compatibility_flags: s.compatibility_flags, usage_model: s.usage_model }, s.modules);
      return { result: { name: body.name, type: 'secret_text' } };
    },
  },
  {
    method: 'GET',
    template: `${S}/{script_name}/subdomain`,
    operation: 'workers.scripts.subdomain.get',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      scriptOf(ctx);
      return { result: { enabled: false, previews_enabled: false } };
    },
  },
  {
    method: 'POST',
    template: `${S}/{script_name}/subdomain`,
    operation: 'workers.scripts.subdomain.create',
    permissions: SCRIPTS_WRITE,
    handler: (ctx) => {
      scriptOf(ctx);
      // workers.dev is not emulated: the edge serves Workers by zone routes only.
      return { result: { enabled: false, previews_enabled: false } };
    },
  },
  // deployments / versions: the current script is one version at 100 % (what wrangler reads before and after a deploy)
  {
    method: 'GET',
    template: `${S}/{script_name}/deployments`,
    operation: 'workers.scripts.deployments.list',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      const s = scriptOf(ctx);
      return {
        result: {
          deployments: [
            {
              id: versionId(s),
              source: 'api',
              strategy: 'percentage',
              author_email: ctx.account.userDetails().email,
              created_on: s.modified_on,
              annotations: { 'workers/triggered_by': 'upload' },
              versions: [{ version_id: versionId(s), percentage: 100 }],
            },
          ],
        },
      };
    },
  },
  {
    method: 'GET',
    template: `${S}/{script_name}/versions/{version_id}`,
    operation: 'workers.scripts.versions.get',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      const s = scriptOf(ctx);
      if (ctx.params.version_id !== versionId(s)) throw new CfApiError(404, { code: 10220, message: 'Version not found.' });
      return { result: versionView(ctx.account, s) };
    },
  },
  {
    method: 'GET',
    template: `${S}/{script_name}/versions`,
    operation: 'workers.scripts.versions.list',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      const s = scriptOf(ctx);
      return { result: { items: [versionView(ctx.account, s)] } };
    },
  },
];
