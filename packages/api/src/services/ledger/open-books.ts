import type { Tx } from '@allot/db';
import { lockBooks, lockOrganization, type Books } from './locks.ts';
import { renewAndLockPartner } from './renewal.ts';

/**
 * The start of a credit write on one organization, in the lock order: the partner (its ended
 * periods renewed), the organization (a 404 for another partner's), then its books in one
 * credit type.
 */
export async function openBooks(
  trx: Tx,
  partnerId: string,
  organizationId: string,
  creditType: string,
  now: Date,
): Promise<Books> {
  const partner = await renewAndLockPartner(trx, partnerId, now);
  return lockBooks(await lockOrganization(partner, organizationId), creditType);
}
