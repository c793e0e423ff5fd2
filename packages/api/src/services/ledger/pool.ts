import type { AccountRow, Tx } from '@allot/db';
import { sql } from 'kysely';
import type { Books } from './accounts.ts';
import { insertBlocks, spendable } from './blocks.ts';
import type { Transfer } from './post.ts';

/** A pool's period: what it was given (its total) and what is still undrawn. */
export interface PoolState {
  total: number;
  available: number;
}

export async function poolState(trx: Tx, pool: AccountRow, now: Date): Promise<PoolState> {
  const row = await trx
    .selectFrom('blocks')
    .select(sql<number>`coalesce(sum(remaining), 0)::bigint`.as('available'))
    .where('account_id', '=', pool.id)
    .where(spendable(now))
    .executeTakeFirstOrThrow();
  return { total: pool.period_credited, available: row.available };
}

/** Issues `amount` credits into the pool as a block that lapses at the pool period's end. */
export async function fundPool(
  trx: Tx,
  books: Books['partner'],
  amount: number,
  periodEnd: Date,
  type: 'renewal' | 'amendment',
  reason: string,
  now: Date,
): Promise<Transfer[]> {
  if (amount <= 0) return [];
  const [block] = await insertBlocks(
    trx,
    [
      {
        accountId: books.pool.id,
        kind: 'pool',
        amount,
        effectiveAt: now,
        expiresAt: periodEnd,
        reason,
      },
    ],
    now,
  );
  return [{ from: books.issuance.id, to: books.pool.id, amount, type, toBlock: block!.id, reason }];
}
