import { sql } from 'kysely';
import type { Tx } from '@allot/db';
import { setRemaining } from './blocks.ts';
import type { Transfer } from './post.ts';

/**
 * The expiration transfers for every block of these accounts that has expired by `now` with
 * credits left: each remainder moves to its owner's expiry sink. The blocks are emptied here;
 * the caller posts the transfers (with any others) after locking the accounts and their sinks.
 * Expired credits were already unspendable: this only writes down what happened.
 */
export async function expireBlocks(
  trx: Tx,
  accountIds: readonly string[],
  now: Date,
): Promise<Transfer[]> {
  if (accountIds.length === 0) return [];
  const { rows } = await sql<{ id: string; account_id: string; remaining: number; sink: string }>`
    SELECT b.id, b.account_id, b.remaining, s.id AS sink
    FROM blocks b
    JOIN accounts a ON a.id = b.account_id
    -- The owner's expiry sink. (Owner: the organization, or the partner for its own accounts;
    -- an equality, so the join is a hash join, not a comparison of every pair.)
    JOIN accounts s ON s.partner_id = a.partner_id
      AND coalesce(s.organization_id, s.partner_id) = coalesce(a.organization_id, a.partner_id)
      AND s.kind = 'expiry' AND s.credit_type = a.credit_type
    WHERE b.account_id = ANY(${accountIds}::uuid[]) AND NOT b.spent
      AND b.voided_at IS NULL AND b.expires_at <= ${now}
    ORDER BY b.account_id, b.expires_at, b.id`.execute(trx);
  await setRemaining(
    trx,
    rows.map((r) => ({ id: r.id, remaining: 0 })),
    { expired_at: now },
  );
  return rows.map((r) => ({
    from: r.account_id,
    to: r.sink,
    amount: r.remaining,
    type: 'expiration',
    fromBlock: r.id,
  }));
}
