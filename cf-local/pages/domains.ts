/**
 * Pages custom domains: a domain's status is derived from the clock up to its activation delay,
 * after which it waits for the certificate authority's HTTP check (certificate-authority.ts).
 */
import type { DomainGetResponse } from 'cloudflare/resources/pages/projects/domains';
import type { AccountModel } from '../account-model.ts';
import { validationPending } from '../certificate-authority.ts';
import type { DomainRecord } from '../state.ts';

type DomainView = DomainGetResponse;

export function domainStatus(account: AccountModel, d: DomainRecord): DomainView['status'] {
  if (d.scenario === 'error') return 'error';
  const elapsed = account.now() - d.createdAtMs;
  if (elapsed < Math.min(d.activationMs / 4, 250)) return 'initializing';
  if (d.scenario === 'stuck' || elapsed < d.activationMs) return 'pending';
  // The certificate authority must have fetched the token through the edge (certificate-authority.ts).
  if (validationPending(d)) return 'pending';
  return 'active';
}

export function domainView(account: AccountModel, d: DomainRecord): DomainView {
  const status = domainStatus(account, d);
  const validation: DomainView['validation_data'] =
    status === 'error'
      ? { method: 'http', status: 'error', error_message: 'Validation failed: the hostname does not resolve to your Pages project (CNAME missing or wrong).' }
      : {
          method: 'http',
          status: status === 'active' ? 'active' : status === 'initializing' ? 'initializing' : 'pending',
          ...(status === 'pending' && d.validation_error ? { error_message: d.validation_error } : {}),
        };
  const verification: DomainView['verification_data'] =
    status === 'error' ? { status: 'error', error_message: 'CNAME record not set' } : { status: status === 'active' ? 'active' : 'pending' };
  return {
    id: d.id,
    name: d.name,
    status,
    certificate_authority: d.certificate_authority,
    created_on: d.created_on,
    domain_id: d.domain_id,
    zone_tag: d.zone_tag,
    validation_data: validation,
    verification_data: verification,
  };
}
