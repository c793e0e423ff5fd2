import type { AccountRow, Db, Tx } from '@allot/db';
import { defined, type Period } from '@allot/domain';
import { sql } from 'kysely';
import type { PartnerBooks } from './locks.ts';
import { drawFrom, insertBlocks, spendableBlocks, spendableRemaining } from './blocks.ts';
import type { Transfer } from './post.ts';

/** A pool's period: what it was given (its total) and what is still undrawn. */
export interface PoolState {
  total: number;
  available: number;
}

export async function poolState(db: Db | Tx, pool: AccountRow, now: Date): Promise<PoolState> {
  const { rows } = await sql<{
    available: number;
  }>`SELECT ${spendableRemaining(sql.val(pool.id), now)} AS available`.execute(db);
  return { total: pool.period_credited, available: rows[0]?.available ?? 0 };
}

/**
 * Brings this period's pool from `current` credits to `total`: issues the difference as a block
 * of the period (effective from its start, lapsing at its end), or takes it back to the issuance account (the caller checked
 * that the pool holds it). Records `total` as the period's pool; returns the transfers to post.
 */
export async function resizePool(
  books: PartnerBooks,
  change: { current: number; total: number; period: Period; reason: string },
  type: 'renewal' | 'amendment',
  now: Date,
): Promise<Transfer[]> {
  await books.trx
    .updateTable('accounts')
    .set({ period_credited: change.total })
    .where('id', '=', books.accounts.pool.id)
    .execute();
  const delta = change.total - change.current;
  if (delta > 0) {
    const [block] = await insertBlocks(
      books,
      [
        {
          accountId: books.accounts.pool.id,
          kind: 'pool',
          amount: delta,
          // The period's credits, whenever within it they arrive.
          effectiveAt: change.period.start,
          expiresAt: change.period.end,
          reason: change.reason,
        },
      ],
      now,
    );
    return [
      {
        from: books.accounts.issuance.id,
        to: books.accounts.pool.id,
        amount: delta,
        type,
        toBlock: defined(block, 'the pool block').id,
        reason: change.reason,
      },
    ];
  }
  if (delta === 0) return [];
  const { pool, issuance } = books.accounts;
  const [portions] = await drawFrom(books, await spendableBlocks(books, pool.id, now), [-delta]);
  return defined(portions, 'the draw').map((portion) => ({
    from: pool.id,
    to: issuance.id,
    amount: portion.amount,
    type,
    fromBlock: portion.blockId,
    reason: change.reason,
  }));
}
