import { sql } from 'kysely';
import type { AccountRow, Db, Tx } from '@allot/db';
import { checkTrialCap, type Holdings } from '@allot/domain';
import { orRefuse } from '../../errors.ts';
import { spendable } from './blocks.ts';
import type { Books } from './locks.ts';

/** What an organization account holds: the `Holdings` the trial cap counts, and more. */
export interface AccountHoldings extends Holdings {
  /** What it can spend now. */
  available: number;
  /** What is left of this period's allocation (allocation and renewal blocks), spendable. */
  allocationRemaining: number;
}

/**
 * What each organization account holds at `now`, in one query: the one read behind every trial
 * cap decision (an allocation, a grant, an amendment, a tier change, a renewal). Accounts
 * without live blocks hold nothing beyond their allocation.
 */
export async function readHoldings(
  db: Db | Tx,
  accounts: readonly Pick<AccountRow, 'id' | 'period_credited'>[],
  now: Date,
): Promise<Map<string, AccountHoldings>> {
  const rows =
    accounts.length === 0
      ? []
      : await db
          .selectFrom('blocks')
          .select([
            'account_id',
            sql<number>`coalesce(sum(remaining) FILTER (WHERE ${spendable(now)}), 0)::bigint`.as(
              'available',
            ),
            // Held and not yet lapsed: spendable and pending credits alike.
            sql<number>`coalesce(sum(remaining) FILTER (WHERE voided_at IS NULL
              AND (expires_at IS NULL OR expires_at > ${now})), 0)::bigint`.as('unexpired'),
            sql<number>`coalesce(sum(remaining) FILTER (WHERE ${spendable(now)}
              AND kind IN ('allocation', 'renewal')), 0)::bigint`.as('allocationRemaining'),
          ])
          .where(
            'account_id',
            'in',
            accounts.map((a) => a.id),
          )
          .where('spent', '=', false)
          .groupBy('account_id')
          .execute();
  const held = new Map(rows.map((row) => [row.account_id, row]));
  return new Map(
    accounts.map((account) => {
      const row = held.get(account.id);
      return [
        account.id,
        {
          allocated: account.period_credited,
          unexpired: row?.unexpired ?? 0,
          available: row?.available ?? 0,
          allocationRemaining: row?.allocationRemaining ?? 0,
        },
      ];
    }),
  );
}

/** What one organization account holds at `now` (see `readHoldings`). */
export async function holdingsOf(
  db: Db | Tx,
  account: Pick<AccountRow, 'id' | 'period_credited'>,
  now: Date,
): Promise<AccountHoldings> {
  const held = await readHoldings(db, [account], now);
  // readHoldings answers for every account it is given.
  return held.get(account.id) as AccountHoldings;
}

/**
 * A grant or a positive amendment adds to the credits the organization holds, not to its
 * allocation: the trial cap must still hold after it.
 */
export async function refuseOverCap(books: Books, amount: number, now: Date): Promise<void> {
  const held = await holdingsOf(books.trx, books.accounts.organization.organization, now);
  orRefuse(checkTrialCap(books.organization.tier, { ...held, unexpired: held.unexpired + amount }));
}
