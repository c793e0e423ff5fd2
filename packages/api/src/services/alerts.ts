import type { Db, Tx } from '@allot/db';
import { AppError, DEFAULT_CREDIT_TYPE, type AutoTopUpFailure } from '@allot/domain';
import { sql } from 'kysely';
import { notFound } from '../errors.ts';
import { openAccounts, requireCreditType } from './ledger/accounts.ts';
import { createGrant } from './credits.ts';
import { emitEvent } from './events.ts';
import { lockOrganization, requireOrganization } from './organization-access.ts';
import { lockPartner } from './periods.ts';

type Threshold = { credits: number } | { percent: number };

/**
 * Marks the organization's account of this credit type as watched while it has thresholds or a
 * top-up rule: only then does the crossing trigger look at its every change (see migration 0006).
 */
async function updateWatched(
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

// Balance alerts and auto top-ups are configured here; the crossings themselves are detected
// in the database at commit (the `ledger_balance_crossed` trigger), once per crossing.

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
  await lockOrganization(trx, partnerId, input.organizationId);
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
  updated_at: Date;
}) {
  return {
    creditType: row.credit_type,
    threshold: row.threshold,
    amount: row.amount,
    maxPerPeriod: row.max_per_period,
    expiresAfterDays: row.expires_after_days,
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
  },
  now: Date,
) {
  const creditType = input.creditType ?? DEFAULT_CREDIT_TYPE;
  await lockOrganization(trx, partnerId, input.organizationId);
  await requireCreditType(trx, creditType);
  const values = {
    threshold: input.threshold,
    amount: input.amount,
    max_per_period: input.maxPerPeriod,
    expires_after_days: input.expiresAfterDays ?? null,
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
  await lockOrganization(trx, partnerId, input.organizationId);
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

type PendingTopUp = Awaited<ReturnType<typeof claimPending>>[number];

/** The next pending top-ups, locked; another worker skips them. */
function claimPending(trx: Tx, limit: number) {
  return trx
    .selectFrom('auto_top_ups')
    .selectAll()
    .where('status', '=', 'pending')
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

/** Top-ups applied to this organization and credit type in its current period. */
async function appliedThisPeriod(trx: Tx, run: PendingTopUp, periodStart: Date) {
  const { count } = await trx
    .selectFrom('auto_top_ups')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('organization_id', '=', run.organization_id)
    .where('credit_type', '=', run.credit_type)
    .where('status', '=', 'applied')
    .where('processed_at', '>=', periodStart)
    .executeTakeFirstOrThrow();
  return Number(count);
}

/**
 * Applies one crossing's top-up: grants `amount` (from the pool in credit_pool mode) unless the
 * organization is inactive or has had `maxPerPeriod` this period; a refusal of the grant (the
 * pool, the trial cap) becomes a failure with its reason. Either way the run is settled and
 * its event written in the same transaction, so it happens once.
 */
async function applyTopUp(trx: Tx, run: PendingTopUp, now: Date) {
  // The lock order of every ledger write: partner (renewing a period that ended), organization.
  await lockPartner(trx, run.partner_id, now);
  const org = await lockOrganization(trx, run.partner_id, run.organization_id);
  const base = {
    organizationId: run.organization_id,
    creditType: run.credit_type,
    amount: run.amount,
    threshold: run.threshold,
  };
  const fail = async (reason: AutoTopUpFailure, message: string) => {
    await settle(trx, run, { status: 'failed', reason }, now);
    await emitEvent(trx, {
      partnerId: run.partner_id,
      organizationId: run.organization_id,
      type: 'auto_top_up.failed',
      data: { ...base, reason, message },
    });
  };
  if (org.status !== 'active')
    return fail('organization_inactive', 'The organization is not active.');
  if ((await appliedThisPeriod(trx, run, org.period_start)) >= run.max_per_period)
    return fail(
      'max_per_period_reached',
      `${run.max_per_period} top-ups were applied this period already.`,
    );

  await sql`SAVEPOINT auto_top_up`.execute(trx);
  try {
    const expiresAt = run.expires_after_days
      ? new Date(now.getTime() + run.expires_after_days * 86_400_000).toISOString()
      : undefined;
    const { grant } = await createGrant(
      trx,
      run.partner_id,
      {
        organizationId: run.organization_id,
        creditType: run.credit_type,
        amount: run.amount,
        kind: 'top_up',
        reason: `Auto top-up: the balance fell to ${run.balance} (threshold ${run.threshold})`,
        ...(expiresAt && { expiresAt }),
      },
      now,
    );
    await settle(trx, run, { status: 'applied', grant_id: grant.id }, now);
    await emitEvent(trx, {
      partnerId: run.partner_id,
      organizationId: run.organization_id,
      type: 'auto_top_up.applied',
      data: { ...base, grantId: grant.id },
    });
  } catch (error) {
    // The two refusals a grant can meet become the top-up's failure; anything else is a fault.
    if (
      !(error instanceof AppError) ||
      (error.code !== 'trial_cap_exceeded' && error.code !== 'insufficient_pool_credits')
    )
      throw error;
    await sql`ROLLBACK TO SAVEPOINT auto_top_up`.execute(trx);
    return fail(error.code, error.message);
  }
}

function settle(
  trx: Tx,
  run: PendingTopUp,
  outcome: { status: 'applied' | 'failed'; reason?: string; grant_id?: string },
  now: Date,
) {
  return trx
    .updateTable('auto_top_ups')
    .set({ ...outcome, processed_at: now })
    .where('id', '=', run.id)
    .execute();
}

/**
 * Applies every pending auto top-up, one transaction each (the job worker's task). A run that
 * is killed halfway leaves its top-up pending, to be applied by the next run, never twice.
 * Returns how many were settled.
 */
export async function applyAutoTopUps(db: Db, now: () => Date): Promise<number> {
  let settled = 0;
  for (;;) {
    const done = await db.transaction().execute(async (trx) => {
      const [run] = await claimPending(trx, 1);
      if (!run) return false;
      await applyTopUp(trx, run, now());
      return true;
    });
    if (!done) return settled;
    settled += 1;
  }
}
