import type { Db, Tx } from '@allot/db';
import { notFound } from '../errors.ts';

/**
 * Locks an organization's row for a change of its settings (ICP, alerts, top-up rules) that
 * touches no credits, so it needs no partner lock; nothing that holds it may lock the partner
 * after it (the lock order). Credit writes lock through the ledger's handles instead
 * (`ledger/locks.ts`). Another partner's organization is a 404, like a missing one.
 */
export async function lockOrganizationSettings(trx: Tx, partnerId: string, organizationId: string) {
  const row = await trx
    .selectFrom('organizations')
    .selectAll()
    .where('id', '=', organizationId)
    .where('partner_id', '=', partnerId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound('Organization');
  return row;
}

/** 404 unless the organization exists and is this partner's (a read: no lock). */
export async function requireOrganization(
  db: Db | Tx,
  partnerId: string,
  organizationId: string,
): Promise<void> {
  const row = await db
    .selectFrom('organizations')
    .select('id')
    .where('id', '=', organizationId)
    .where('partner_id', '=', partnerId)
    .executeTakeFirst();
  if (!row) throw notFound('Organization');
}
