import type { Db, Tx } from '@allot/db';
import { DEFAULT_CREDIT_TYPE } from '@allot/domain';
import { notFound } from '../errors.ts';
import { requireCreditType } from './ledger/accounts.ts';
import { lockOrganizationSettings, requireOrganization } from './organization-access.ts';
import { updateWatched } from './watched-accounts.ts';

const RECENT_TOP_UPS = 20;

export async function getAutoTopUp(db: Db | Tx, partnerId: string, organizationId: string) {
  await requireOrganization(db, partnerId, organizationId);
  const [rules, recent] = await Promise.all([
    db
      .selectFrom('auto_top_up_rules')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .orderBy('credit_type')
      .execute(),
    db
      .selectFrom('auto_top_ups')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(RECENT_TOP_UPS)
      .execute(),
  ]);
  return {
    rules: rules.map(toRule),
    recent: recent.map((run) => ({
      id: run.id,
      creditType: run.credit_type,
      amount: run.amount,
      status: run.status,
      reason: run.reason,
      grantId: run.grant_id,
      balance: run.balance,
      createdAt: run.created_at.toISOString(),
      processedAt: run.processed_at?.toISOString() ?? null,
    })),
  };
}

function toRule(row: {
  credit_type: string;
  threshold: number;
  amount: number;
  max_per_period: number;
  expires_after_days: number | null;
  unit_price: string | null;
  updated_at: Date;
}) {
  return {
    creditType: row.credit_type,
    threshold: row.threshold,
    amount: row.amount,
    maxPerPeriod: row.max_per_period,
    expiresAfterDays: row.expires_after_days,
    unitPrice: row.unit_price,
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function setAutoTopUp(
  trx: Tx,
  partnerId: string,
  input: {
    organizationId: string;
    creditType?: string | undefined;
    threshold: number;
    amount: number;
    maxPerPeriod: number;
    expiresAfterDays?: number | undefined;
    unitPrice?: string | null | undefined;
  },
  now: Date,
) {
  const creditType = input.creditType ?? DEFAULT_CREDIT_TYPE;
  await lockOrganizationSettings(trx, partnerId, input.organizationId);
  await requireCreditType(trx, creditType);
  const values = {
    threshold: input.threshold,
    amount: input.amount,
    max_per_period: input.maxPerPeriod,
    expires_after_days: input.expiresAfterDays ?? null,
    unit_price: input.unitPrice ?? null,
    updated_at: now,
  };
  const row = await trx
    .insertInto('auto_top_up_rules')
    .values({
      organization_id: input.organizationId,
      credit_type: creditType,
      partner_id: partnerId,
      created_at: now,
      ...values,
    })
    .onConflict((oc) => oc.columns(['organization_id', 'credit_type']).doUpdateSet(values))
    .returningAll()
    .executeTakeFirstOrThrow();
  await updateWatched(trx, partnerId, input.organizationId, creditType);
  return { rule: toRule(row) };
}

export async function deleteAutoTopUp(
  trx: Tx,
  partnerId: string,
  input: { organizationId: string; creditType?: string | undefined },
) {
  await lockOrganizationSettings(trx, partnerId, input.organizationId);
  const creditType = input.creditType ?? DEFAULT_CREDIT_TYPE;
  const row = await trx
    .deleteFrom('auto_top_up_rules')
    .where('organization_id', '=', input.organizationId)
    .where('credit_type', '=', creditType)
    .returning('organization_id')
    .executeTakeFirst();
  if (!row) throw notFound('Auto top-up rule');
  await updateWatched(trx, partnerId, input.organizationId, creditType);
}
