/**
 * The account's KV namespaces as named operations (the values live in Miniflare's KV storage, see
 * rules.ts). Adding or removing one re-applies the runtime first, so a Worker bound to the
 * namespace sees it before the state on disk says it exists.
 */
import type { Namespace } from 'cloudflare/resources/kv/namespaces/namespaces';
import type { AccountModel } from '../account-model.ts';

export function listKvNamespaces(account: AccountModel): readonly Namespace[] {
  return account.store.data.kvNamespaces;
}

export function findKvNamespace(account: AccountModel, id: string): Namespace | undefined {
  return account.store.data.kvNamespaces.find((n) => n.id === id);
}

/** True when another namespace (not `exceptId`) already has this title; titles are unique per account. */
export function kvTitleTaken(account: AccountModel, title: string, exceptId?: string): boolean {
  return account.store.data.kvNamespaces.some((n) => n.title === title && n.id !== exceptId);
}

/** Records a namespace without re-applying the runtime: for seeding, which starts or re-syncs the runtime afterwards. */
export function insertKvNamespace(account: AccountModel, ns: Namespace): Namespace {
  account.store.data.kvNamespaces.push(ns);
  account.persist();
  return ns;
}

export async function addKvNamespace(account: AccountModel, ns: Namespace): Promise<Namespace> {
  account.store.data.kvNamespaces.push(ns);
  await account.syncRuntime();
  account.persist();
  return ns;
}

export function renameKvNamespace(account: AccountModel, ns: Namespace, title: string): Namespace {
  ns.title = title;
  account.persist();
  return ns;
}

/** Forgets the namespace (the caller empties its values first). */
export async function removeKvNamespace(account: AccountModel, ns: Namespace): Promise<void> {
  account.store.data.kvNamespaces = account.store.data.kvNamespaces.filter((n) => n !== ns);
  await account.syncRuntime();
  account.persist();
}
