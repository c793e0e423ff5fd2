import type { AccountRow, BlockRow } from '@allot/db';
import { checkPoolRoom } from '@allot/domain';
import { orRefuse } from '../../errors.ts';
import { drawFrom, insertBlocks, spendableBlocks, type NewBlock, type Portion } from './blocks.ts';
import type { Books } from './locks.ts';
import { poolState } from './pool.ts';
import type { Transfer } from './post.ts';

/**
 * Moves `amount` into the organization from its source (the pool, or the partner's issuance
 * account) into a new block. In credit_pool mode the pool must hold enough (422 otherwise).
 */
export async function credit(
  books: Books,
  block: Omit<NewBlock, 'accountId'>,
  type: 'allocation' | 'increment',
  now: Date,
): Promise<{ row: BlockRow; transfers: Transfer[] }> {
  const { partner, organization } = books.accounts;
  // Outside the pool the credits are issued: one portion, from an account without blocks.
  let draws: Portion[] = [{ blockId: null, amount: block.amount }];
  if (books.pooled) {
    const poolBlocks = await spendableBlocks(books, partner.pool.id, now);
    orRefuse(
      checkPoolRoom(
        poolBlocks.reduce((sum, b) => sum + b.remaining, 0),
        block.amount,
      ),
    );
    [draws = []] = await drawFrom(books, poolBlocks, [block.amount]);
  }
  const to = organization.organization.id;
  const [row] = await insertBlocks(books, [{ ...block, accountId: to }], now);
  if (!row) throw new Error('the credited block was not written');
  const transfers: Transfer[] = draws.map((portion) => ({
    from: books.pooled ? partner.pool.id : partner.issuance.id,
    to,
    amount: portion.amount,
    type,
    fromBlock: portion.blockId,
    toBlock: row.id,
    reason: block.reason ?? null,
  }));
  return { row, transfers };
}

/**
 * Credits leaving an organization (a lowered allocation, a void). In credit_pool mode they go
 * back to the pool as far as this pool period lent them (a new pool block); credits from an
 * earlier pool period lapsed with it, so the rest leaves to `elsewhere`.
 */
export async function release(
  books: Books,
  portions: Portion[],
  type: 'reclaim' | 'void',
  elsewhere: AccountRow,
  reason: string,
  now: Date,
): Promise<Transfer[]> {
  const { pool } = books.accounts.partner;
  const total = portions.reduce((sum, p) => sum + p.amount, 0);
  let toPool = 0;
  let poolBlock: string | null = null;
  if (books.pooled && total > 0) {
    const state = await poolState(books.trx, pool, now);
    toPool = Math.min(total, state.total - state.available);
    if (toPool > 0) {
      const [row] = await insertBlocks(
        books,
        [
          {
            accountId: pool.id,
            kind: 'pool',
            amount: toPool,
            effectiveAt: books.partner.pool_period_start,
            expiresAt: books.partner.pool_period_end,
            reason: `Returned by organization ${books.organization.id}: ${reason}`,
          },
        ],
        now,
      );
      poolBlock = row?.id ?? null;
    }
  }
  const from = books.accounts.organization.organization.id;
  const transfers: Transfer[] = [];
  let left = toPool;
  for (const portion of portions) {
    const back = Math.min(left, portion.amount);
    left -= back;
    if (back > 0) {
      transfers.push({
        from,
        to: pool.id,
        amount: back,
        type,
        fromBlock: portion.blockId,
        toBlock: poolBlock,
        reason,
      });
    }
    if (portion.amount > back) {
      transfers.push({
        from,
        to: elsewhere.id,
        amount: portion.amount - back,
        type,
        fromBlock: portion.blockId,
        reason,
      });
    }
  }
  return transfers;
}
