import { sql } from 'kysely';
import { inTransaction, type Db, type PartnerRow, type Tx } from '@allot/db';
import { drawsFromPool, periodContaining, renewalGrant, type BillingCycle } from '@allot/domain';
import { notFound } from '../errors.ts';

/** The billing cycle of a partner or an organization row: both carry the same three columns. */
export const cycleOf = (
  row: Pick<PartnerRow, 'billing_period' | 'billing_day_of_month' | 'billing_anchor'>,
): BillingCycle => ({
  period: row.billing_period,
  dayOfMonth: row.billing_day_of_month,
  anchor: row.billing_anchor,
});

/** Rows per renewal statement: four parameters each, well under PostgreSQL's 65,535. */
const RENEWAL_CHUNK = 5_000;

/**
 * Locks a partner's row and renews whatever period has ended by `now`: first the pool (it
 * refreshes to `pool_credits`; the old remainder lapses), then each organization whose period
 * ended (its allowance is granted again, from the pool in `credit_pool` mode, as far as the pool
 * reaches). Nothing rolls over. Every credit-changing write starts here, so renewal never
 * waits for a scheduler, and the row lock orders concurrent writes of one partner.
 */
export async function lockPartner(trx: Tx, partnerId: string, now: Date): Promise<PartnerRow> {
  let partner = await trx
    .selectFrom('partners')
    .selectAll()
    .where('id', '=', partnerId)
    .forUpdate()
    .executeTakeFirst();
  if (!partner) throw notFound('Partner');

  if (partner.pool_period_end.getTime() <= now.getTime()) {
    const period = periodContaining(now, cycleOf(partner));
    partner = await trx
      .updateTable('partners')
      .set({
        pool_period_start: period.start,
        pool_period_end: period.end,
        pool_total: sql<number>`pool_credits`,
        pool_allocated: 0,
        updated_at: now,
      })
      .where('id', '=', partnerId)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  const due = await trx
    .selectFrom('organizations')
    .select([
      'id',
      'status',
      'credit_allowance',
      'billing_period',
      'billing_day_of_month',
      'billing_anchor',
    ])
    .where('partner_id', '=', partnerId)
    .where('period_end', '<=', now)
    .orderBy('id')
    .forUpdate()
    .execute();
  if (due.length === 0) return partner;

  let poolLeft = partner.pool_total - partner.pool_allocated;
  let drawn = 0;
  const renewals = due.map((org) => {
    const period = periodContaining(now, cycleOf(org));
    // Suspended and canceled organizations start the period empty: nothing is drawn for them.
    const grant =
      org.status === 'active'
        ? renewalGrant(partner.billing_mode, org.credit_allowance, poolLeft)
        : 0;
    if (drawsFromPool(partner.billing_mode)) poolLeft -= grant;
    drawn += grant;
    return { id: org.id, ...period, grant };
  });
  // Set-based: one statement per chunk, however many organizations renew at once.
  for (let i = 0; i < renewals.length; i += RENEWAL_CHUNK) {
    const rows = renewals
      .slice(i, i + RENEWAL_CHUNK)
      .map(
        (r) =>
          sql`(${r.id}::uuid, ${r.start}::timestamptz, ${r.end}::timestamptz, ${r.grant}::bigint)`,
      );
    await sql`
      UPDATE organizations AS o
      SET period_start = v.period_start, period_end = v.period_end,
          credits_allocated = v.allocated, credits_consumed = 0, updated_at = ${now}
      FROM (VALUES ${sql.join(rows)}) AS v(id, period_start, period_end, allocated)
      WHERE o.id = v.id`.execute(trx);
  }
  return trx
    .updateTable('partners')
    .set({ pool_allocated: sql<number>`pool_allocated + ${drawn}` })
    .where('id', '=', partnerId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Before a read: renews the partner's periods if any has ended, without taking a lock when
 * none has (the common case costs one indexed query).
 */
export async function refreshPeriods(db: Db | Tx, partnerId: string, now: Date): Promise<void> {
  const row = await db
    .selectFrom('partners')
    .select((eb) => [
      eb
        .or([
          eb('pool_period_end', '<=', now),
          eb.exists(
            eb
              .selectFrom('organizations')
              .select(sql`1`.as('one'))
              .whereRef('organizations.partner_id', '=', 'partners.id')
              .where('organizations.period_end', '<=', now),
          ),
        ])
        .as('due'),
    ])
    .where('id', '=', partnerId)
    .executeTakeFirst();
  if (row?.due) await inTransaction(db, (trx) => lockPartner(trx, partnerId, now));
}
