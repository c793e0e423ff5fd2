import type { Db, Tx } from '@allot/db';
import { notFound } from '../errors.ts';

/** Another partner's organization is indistinguishable from a missing one: both are 404. */
export async function lockOrganization(trx: Tx, partnerId: string, organizationId: string) {
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
