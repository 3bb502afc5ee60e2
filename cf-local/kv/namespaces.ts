/**
 * The account's KV namespaces as named operations (the values live in Miniflare's KV storage, see
 * rules.ts). Adding or removing one re-applies the runtime first, so a Worker bound to the
 * namespace sees it before the state on disk says it exists.
 */
import type { Namespace } from 'cloudflare/resources/kv/namespaces/namespaces';
import type { AccountModel } from '../account-model.ts';

export function listKvNamespaces(core: AccountModel): readonly Namespace[] {
  return core.store.data.kvNamespaces;
}

export function findKvNamespace(core: AccountModel, id: string): Namespace | undefined {
  return core.store.data.kvNamespaces.find((n) => n.id === id);
}

/** True when another namespace (not `exceptId`) already has this title; titles are unique per account. */
export function kvTitleTaken(core: AccountModel, title: string, exceptId?: string): boolean {
  return core.store.data.kvNamespaces.some((n) => n.title === title && n.id !== exceptId);
}

/** Records a namespace without re-applying the runtime: for seeding, which starts or re-syncs the runtime afterwards. */
export function insertKvNamespace(core: AccountModel, ns: Namespace): Namespace {
  core.store.data.kvNamespaces.push(ns);
  core.persist();
  return ns;
}

export async function addKvNamespace(core: AccountModel, ns: Namespace): Promise<Namespace> {
  core.store.data.kvNamespaces.push(ns);
  await core.syncRuntime();
  core.persist();
  return ns;
}

export function renameKvNamespace(core: AccountModel, ns: Namespace, title: string): Namespace {
  ns.title = title;
  core.persist();
  return ns;
}

/** Forgets the namespace (the caller empties its values first). */
export async function removeKvNamespace(core: AccountModel, ns: Namespace): Promise<void> {
  core.store.data.kvNamespaces = core.store.data.kvNamespaces.filter((n) => n !== ns);
  await core.syncRuntime();
  core.persist();
}
