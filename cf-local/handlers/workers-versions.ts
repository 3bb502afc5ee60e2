/**
 * Workers script secrets (wrangler lists them before a deploy, and puts them one by one); a secret
 * change is a new version deployed at 100 %, as on Cloudflare. And the script's non-versioned
 * settings (workers/script-settings.ts). Versions, deployments and the workers.dev subdomain are
 * handlers/workers-deploys.ts.
 */
import { Errors } from '../errors.ts';
import type { RouteDef } from '../api-routes.ts';
import { liveVersion, putScript } from '../workers/model.ts';
import { editScriptSettings, scriptSettings } from '../workers/script-settings.ts';
import { clientSource, S, SCRIPTS_READ, SCRIPTS_WRITE, scriptOf } from './workers-scripts.ts';

/** Secrets and non-versioned settings of one Workers script. */
export const workersVersionRoutes: RouteDef[] = [

  // secrets (wrangler lists them before a deploy, and puts them one by one)
  {
    method: 'GET',
    template: `${S}/{script_name}/secrets`,
    operation: 'workers.scripts.secrets.list',
    permissions: SCRIPTS_READ,
    handler: (ctx) => {
      const s = scriptOf(ctx);
      return { result: (liveVersion(ctx.account, s.id) ?? s).bindings.filter((b) => b.type === 'secret_text').map((b) => ({ name: b.name, type: 'secret_text' })) };
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
      // The new version is the deployed one plus the secret: after `versions deploy` (or a deploy
      // through the versions API) the script record still holds the first upload's code.
      const v = liveVersion(ctx.account, s.id) ?? s;
      const bindings = [...v.bindings.filter((b) => b.name !== body.name), { type: 'secret_text', name: body.name, text: body.text }];
      await putScript(ctx.account, s.id, { main_module: v.main_module, bindings, compatibility_date: v.compatibility_date, compatibility_flags: v.compatibility_flags, usage_model: s.usage_model }, v.modules, undefined, {
        source: clientSource(ctx),
        triggeredBy: 'secret',
      });
      return { result: { name: body.name, type: 'secret_text' } };
    },
  },
  {
    method: 'GET',
    template: `${S}/{script_name}/script-settings`,
    operation: 'workers.scripts.settings.get',
    permissions: SCRIPTS_READ,
    handler: (ctx) => ({ result: scriptSettings(ctx.account, scriptOf(ctx).id) }),
  },
  {
    method: 'PATCH',
    template: `${S}/{script_name}/script-settings`,
    operation: 'workers.scripts.settings.edit',
    permissions: SCRIPTS_WRITE,
    handler: (ctx) => ({ result: editScriptSettings(ctx.account, scriptOf(ctx).id, ctx.json()) }),
  },
];
