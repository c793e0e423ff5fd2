import { planAllocation } from '@allot/domain';
import { orRefuse } from '../../errors.ts';
import { emitEvent } from '../events.ts';
import { drawFrom, spendableBlocks } from './blocks.ts';
import { credit, release } from './credit.ts';
import { holdingsOf } from './holdings.ts';
import type { Books } from './locks.ts';
import { poolState } from './pool.ts';
import { postTransfers } from './post.ts';

/**
 * Sets an organization's allocation for its current period (`PUT .../credits`): a raise draws
 * from the source into a new allocation block; a lowering takes back unspent allocation.
 */
export async function allocate(
  books: Books,
  target: number,
  now: Date,
  reason = `Allocation set to ${target}`,
): Promise<void> {
  const { trx, organization: org } = books;
  const account = books.accounts.organization.organization;
  const held = await holdingsOf(trx, account, now);
  const pool = books.pooled
    ? await poolState(trx, books.accounts.partner.pool, now)
    : { total: 0, available: 0 };
  const delta = orRefuse(
    planAllocation(
      {
        mode: books.partner.billing_mode,
        tier: org.tier,
        status: org.status,
        allocated: account.period_credited,
        consumed: account.period_credited - held.allocationRemaining,
        unexpired: held.unexpired,
        pool: { total: pool.total, allocated: pool.total - pool.available },
      },
      target,
    ),
  );
  if (delta > 0) {
    const { transfers } = await credit(
      books,
      {
        kind: 'allocation',
        amount: delta,
        effectiveAt: org.period_start,
        expiresAt: org.period_end,
        reason,
      },
      'allocation',
      now,
    );
    await postTransfers(books, transfers, now);
  } else if (delta < 0) {
    // Unspent allocation comes back, the credits least likely to be spent next first.
    const blocks = (await spendableBlocks(books, account.id, now))
      .filter((b) => b.kind === 'allocation' || b.kind === 'renewal')
      .reverse();
    const [portions = []] = await drawFrom(books, blocks, [-delta]);
    const elsewhere = books.accounts.partner.issuance;
    await postTransfers(
      books,
      await release(books, portions, 'reclaim', elsewhere, reason, now),
      now,
    );
  }
  if (delta !== 0) {
    await trx
      .updateTable('accounts')
      .set({ period_credited: target })
      .where('id', '=', account.id)
      .execute();
    await emitEvent(trx, {
      partnerId: books.partner.id,
      organizationId: org.id,
      type: 'credits.allocated',
      data: {
        organizationId: org.id,
        creditType: books.creditType,
        allocated: target,
        previousAllocated: account.period_credited,
      },
    });
  }
}

/**
 * Deleting an organization gives back its unspent allocation: the allocation is lowered to what
 * the organization consumed of it this period, exactly as `PUT .../credits` would lower it, so
 * the credits go where a lowering sends them (the pool in credit_pool mode, else the issuance
 * account they came from). Grants are not allocations: they stay, frozen while it is canceled.
 */
export async function releaseAllocation(books: Books, now: Date): Promise<void> {
  const account = books.accounts.organization.organization;
  const held = await holdingsOf(books.trx, account, now);
  const consumed = Math.max(0, account.period_credited - held.allocationRemaining);
  await allocate(books, consumed, now, 'Organization deleted');
}
