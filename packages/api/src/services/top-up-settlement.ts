import type { Db, Tx } from '@allot/db';
import { AppError, type AutoTopUpFailure } from '@allot/domain';
import { sql } from 'kysely';
import { emitEvent } from './events.ts';
import { grantInto } from './grants.ts';
import { openBooks } from './ledger/open-books.ts';

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
  const books = await openBooks(trx, run.partner_id, run.organization_id, run.credit_type, now);
  const org = books.organization;
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
    // Invoiced at the rule's price as it stands now (else the organization's credit price).
    const rule = await trx
      .selectFrom('auto_top_up_rules')
      .select('unit_price')
      .where('organization_id', '=', run.organization_id)
      .where('credit_type', '=', run.credit_type)
      .executeTakeFirst();
    const { grant } = await grantInto(
      books,
      {
        organizationId: run.organization_id,
        creditType: run.credit_type,
        amount: run.amount,
        kind: 'top_up',
        costBasis: rule?.unit_price ?? null,
        invoice: books.currency === null,
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
