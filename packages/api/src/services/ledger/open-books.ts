import type { Tx } from '@allot/db';
import { lockBooks, lockOrganization, type Books, type OrganizationLock } from './locks.ts';
import { renewAndLockPartner } from './renewal.ts';

/**
 * The start of a write on one organization, in the lock order: the partner (its ended periods
 * renewed), then the organization (a 404 for another partner's).
 */
export async function openOrganization(
  trx: Tx,
  partnerId: string,
  organizationId: string,
  now: Date,
): Promise<OrganizationLock> {
  return lockOrganization(await renewAndLockPartner(trx, partnerId, now), organizationId);
}

/** The start of a credit write on one organization: `openOrganization`, then its books. */
export async function openBooks(
  trx: Tx,
  partnerId: string,
  organizationId: string,
  creditType: string,
  now: Date,
): Promise<Books> {
  return lockBooks(await openOrganization(trx, partnerId, organizationId, now), creditType);
}
