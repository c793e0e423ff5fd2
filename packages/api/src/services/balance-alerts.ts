import type { Db, Tx } from '@allot/db';
import { DEFAULT_CREDIT_TYPE } from '@allot/domain';
import { requireCreditType } from './ledger/accounts.ts';
import { lockOrganizationSettings, requireOrganization } from './organization-access.ts';
import { updateWatched } from './watched-accounts.ts';

type Threshold = { credits: number } | { percent: number };

// The crossings themselves are detected in the database at commit (the
// `ledger_balance_crossed` trigger), once per crossing.

export async function listBalanceAlerts(db: Db | Tx, partnerId: string, organizationId: string) {
  await requireOrganization(db, partnerId, organizationId);
  const rows = await db
    .selectFrom('balance_alerts')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('credit_type')
    .execute();
  return {
    alerts: rows.map((row) => ({
      creditType: row.credit_type,
      thresholds: row.thresholds,
      updatedAt: row.updated_at.toISOString(),
    })),
  };
}

/** Replaces an organization's thresholds for a credit type (an empty list removes them). */
export async function setBalanceAlerts(
  trx: Tx,
  partnerId: string,
  input: { organizationId: string; creditType?: string | undefined; thresholds: Threshold[] },
  now: Date,
) {
  const creditType = input.creditType ?? DEFAULT_CREDIT_TYPE;
  await lockOrganizationSettings(trx, partnerId, input.organizationId);
  await requireCreditType(trx, creditType);
  await trx
    .insertInto('balance_alerts')
    .values({
      organization_id: input.organizationId,
      credit_type: creditType,
      partner_id: partnerId,
      thresholds: JSON.stringify(input.thresholds),
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.columns(['organization_id', 'credit_type']).doUpdateSet({
        thresholds: JSON.stringify(input.thresholds),
        updated_at: now,
      }),
    )
    .execute();
  await updateWatched(trx, partnerId, input.organizationId, creditType);
  return {
    alert: { creditType, thresholds: input.thresholds, updatedAt: now.toISOString() },
  };
}
