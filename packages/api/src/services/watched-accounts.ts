import type { Tx } from '@allot/db';
import { sql } from 'kysely';
import { openAccounts } from './ledger/accounts.ts';

/**
 * Marks the organization's account of this credit type as watched while it has thresholds or a
 * top-up rule: only then does the crossing trigger look at its every change (the `ledger_balance_crossed` trigger).
 */
export async function updateWatched(
  trx: Tx,
  partnerId: string,
  organizationId: string,
  creditType: string,
) {
  await openAccounts(trx, partnerId, [organizationId], creditType);
  await sql`
    UPDATE accounts SET watched =
      EXISTS (SELECT 1 FROM balance_alerts WHERE organization_id = ${organizationId}
        AND credit_type = ${creditType} AND jsonb_array_length(thresholds) > 0)
      OR EXISTS (SELECT 1 FROM auto_top_up_rules WHERE organization_id = ${organizationId}
        AND credit_type = ${creditType})
    WHERE organization_id = ${organizationId} AND credit_type = ${creditType}
      AND kind = 'organization'`.execute(trx);
}
