import { sql } from 'kysely';
import type { Db, Tx } from '@allot/db';
import { EXPIRING_SOON_DAYS, type Balance } from '@allot/domain';
import { spendable, spendableRemaining } from './ledger/blocks.ts';
import { notFound } from '../errors.ts';
import { partnerDue, readRenewing } from './renew-on-read.ts';

/** Balances per credit type; reading one costs the same with 10 entries or 10 million. */
export async function readBalances(
  db: Tx | Db,
  organizationId: string,
  now: Date,
  creditType?: string,
): Promise<Balance[]> {
  const soon = new Date(now.getTime() + EXPIRING_SOON_DAYS * 86_400_000);
  let query = db
    .selectFrom('accounts as a')
    .select((eb) => [
      'a.credit_type',
      'a.period_credited',
      'a.period_consumed',
      'a.period_overage',
      'a.period_shortfall',
      spendableRemaining(sql.ref('a.id'), now).as('available'),
      eb
        .selectFrom('blocks')
        .select(sql<number>`coalesce(sum(remaining), 0)::bigint`.as('v'))
        .whereRef('blocks.account_id', '=', 'a.id')
        .where(spendable(now))
        .where('blocks.expires_at', '<=', soon)
        .as('expiring_soon'),
      eb
        .selectFrom('credit_types')
        .select('currency')
        .whereRef('credit_types.key', '=', 'a.credit_type')
        .as('currency'),
      // Applied to the organization's unpaid invoices (monetary credits only ever are).
      eb
        .selectFrom('invoice_credit_applications as c')
        .innerJoin('invoices as i', 'i.id', 'c.invoice_id')
        .select(sql<number>`coalesce(sum(c.credits), 0)::bigint`.as('v'))
        .whereRef('i.organization_id', '=', 'a.organization_id')
        .where('i.status', '=', 'issued')
        .whereRef('c.credit_type', '=', 'a.credit_type')
        .as('pending'),
      eb
        .selectFrom('blocks')
        .select(sql<Date | null>`min(expires_at)`.as('v'))
        .whereRef('blocks.account_id', '=', 'a.id')
        .where(spendable(now))
        .as('next_expiry'),
    ])
    .where('a.organization_id', '=', organizationId)
    .where('a.kind', '=', 'organization');
  if (creditType) query = query.where('a.credit_type', '=', creditType);
  const rows = await query.orderBy('a.credit_type').execute();
  return rows.map((row) => ({
    creditType: row.credit_type,
    currency: (row.currency ?? null) as Balance['currency'],
    available: Number(row.available ?? 0),
    pending: Number(row.pending ?? 0),
    used: row.period_consumed,
    allocated: row.period_credited,
    expiringSoon: Number(row.expiring_soon ?? 0),
    overage: row.period_overage,
    nextExpiry: row.next_expiry ? new Date(row.next_expiry).toISOString() : null,
    renewalShortfall: row.period_shortfall,
  }));
}

/** An organization's balances: its ownership and the renew check in one query, then the read. */
export async function getBalances(
  db: Tx | Db,
  partnerId: string,
  organizationId: string,
  now: Date,
) {
  const owned = await readRenewing(db, partnerId, now, () =>
    db
      .selectFrom('organizations')
      .select(['id', partnerDue(db, partnerId, now).as('due')])
      .where('id', '=', organizationId)
      .where('partner_id', '=', partnerId)
      .executeTakeFirst(),
  );
  if (!owned) throw notFound('Organization');
  return { balances: await readBalances(db, organizationId, now) };
}
