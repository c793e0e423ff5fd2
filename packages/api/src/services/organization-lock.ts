import type { Tx } from '@allot/db';
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
