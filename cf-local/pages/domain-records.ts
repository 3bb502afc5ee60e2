/**
 * The stored Pages custom domains as named operations, for the domain routes, the edge and the
 * certificate authority. Apart from pages/domains.ts (the status a domain shows) because that one
 * reads the authority's rule, and the authority reads these records.
 */
import type { AccountModel } from '../account-model.ts';
import type { DomainRecord } from '../state.ts';

/** Every custom domain of the account, in the order they were added. */
export function listDomains(account: AccountModel): readonly DomainRecord[] {
  return account.store.data.domains;
}

export function projectDomains(account: AccountModel, project: string): DomainRecord[] {
  return account.store.data.domains.filter((d) => d.project_name === project);
}

/** The domain with this hostname, whichever project has it (a hostname belongs to one project). */
export function findDomainByName(account: AccountModel, name: string): DomainRecord | undefined {
  return account.store.data.domains.find((d) => d.name === name);
}

/** A project's domain by hostname or id, as the API's `{domain_name}` accepts either. */
export function findProjectDomain(account: AccountModel, project: string, nameOrId: string): DomainRecord | undefined {
  return account.store.data.domains.find((d) => d.project_name === project && (d.name === nameOrId || d.id === nameOrId));
}

/** False once the domain was detached (or its project deleted). */
export function isAttached(account: AccountModel, d: DomainRecord): boolean {
  return account.store.data.domains.includes(d);
}

export function addDomain(account: AccountModel, rec: DomainRecord): DomainRecord {
  account.store.data.domains.push(rec);
  account.persist();
  return rec;
}

export function removeDomain(account: AccountModel, d: DomainRecord): void {
  account.store.data.domains = account.store.data.domains.filter((x) => x !== d);
  account.persist();
}
