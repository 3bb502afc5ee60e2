/**
 * Workers KV namespaces over REST (list, create, get, rename, delete), backed by Miniflare's KV
 * storage (the same store a Worker bound to the namespace id reads). Values are handlers/kv-values.ts.
 */
import type { Namespace } from 'cloudflare/resources/kv/namespaces/namespaces';
import { CfApiError, Errors } from '../errors.ts';
import { hexId } from '../http.ts';
import { paginate, type Ctx, type RouteDef } from '../api-routes.ts';
import { addKvNamespace, findKvNamespace, kvTitleTaken, listKvNamespaces, removeKvNamespace, renameKvNamespace } from '../kv/namespaces.ts';
import { kvOf } from '../kv/rules.ts';

export const READ = ['Workers KV Storage Read', 'Workers KV Storage Write'];
export const WRITE = ['Workers KV Storage Write'];
/** Account KV namespaces path prefix. */
export const BASE = '/accounts/{account_id}/storage/kv/namespaces';

/** The namespace named in the path, in the account named in the path (404 if unknown). */
export function namespace(ctx: Ctx): Namespace {
  ctx.account.checkAccount(ctx.params.account_id);
  const ns = findKvNamespace(ctx.account, ctx.params.namespace_id!);
  if (!ns) throw Errors.kvNamespaceNotFound();
  return ns;
}

/** Namespace list, create, get, rename and delete. */
export const kvNamespaceRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: BASE,
    operation: 'kv.namespaces.list',
    permissions: READ,
    handler: (ctx) => {
      ctx.account.checkAccount(ctx.params.account_id);
      const order = ctx.query.get('order') ?? 'id';
      const dir = ctx.query.get('direction') === 'desc' ? -1 : 1;
      const list = [...listKvNamespaces(ctx.account)].sort((a, b) => {
        const ka = order === 'title' ? a.title : a.id;
        const kb = order === 'title' ? b.title : b.id;
        return ka < kb ? -dir : ka > kb ? dir : 0;
      });
      return paginate(list, ctx.query, 20, 100);
    },
  },
  {
    method: 'POST',
    template: BASE,
    operation: 'kv.namespaces.create',
    permissions: WRITE,
    handler: async (ctx) => {
      ctx.account.checkAccount(ctx.params.account_id);
      const { title } = ctx.json<{ title?: string }>();
      if (typeof title !== 'string' || title.trim() === '') throw new CfApiError(400, { code: 10019, message: 'title is required' });
      if (kvTitleTaken(ctx.account, title)) throw Errors.kvNamespaceTitleExists();
      return { result: await addKvNamespace(ctx.account, { id: hexId(), title, supports_url_encoding: true }) };
    },
  },
  {
    method: 'GET',
    template: `${BASE}/{namespace_id}`,
    operation: 'kv.namespaces.get',
    permissions: READ,
    handler: (ctx) => ({ result: namespace(ctx) }),
  },
  {
    method: 'PUT',
    template: `${BASE}/{namespace_id}`,
    operation: 'kv.namespaces.update',
    permissions: WRITE,
    handler: (ctx) => {
      const ns = namespace(ctx);
      const { title } = ctx.json<{ title?: string }>();
      if (typeof title !== 'string' || title === '') throw new CfApiError(400, { code: 10019, message: 'title is required' });
      if (kvTitleTaken(ctx.account, title, ns.id)) throw Errors.kvNamespaceTitleExists();
      return { result: renameKvNamespace(ctx.account, ns, title) };
    },
  },
  {
    method: 'DELETE',
    template: `${BASE}/{namespace_id}`,
    operation: 'kv.namespaces.delete',
    permissions: WRITE,
    handler: async (ctx) => {
      const ns = namespace(ctx);
      // Empty it first so a namespace re-created with the same id would not see old data.
      const kv = await kvOf(ctx.account, ns.id);
      let cursor: string | undefined;
      do {
        const page = await kv.list(cursor ? { cursor } : {});
        await Promise.all(page.keys.map((k) => kv.delete(k.name)));
        cursor = page.list_complete ? undefined : page.cursor;
      } while (cursor);
      await removeKvNamespace(ctx.account, ns);
      return { result: {} };
    },
  },
];
