import { sql } from 'kysely';
import { emitEvents } from '../events.ts';
import { setRemaining } from './blocks.ts';
import type { AccountsLock } from './locks.ts';
import type { Transfer } from './post.ts';

/**
 * The expiration transfers for every block of these accounts that has expired by `now` with
 * credits left: each remainder moves to its owner's expiry sink. The blocks are emptied here;
 * the caller posts the transfers (with any others) after locking the accounts and their sinks.
 * Expired credits were already unspendable: this only writes down what happened, and tells
 * each organization's partner (`credits.expired`, one event per organization and credit type).
 */
export async function expireBlocks(
  lock: AccountsLock,
  accountIds: readonly string[],
  now: Date,
): Promise<Transfer[]> {
  if (accountIds.length === 0) return [];
  const { rows } = await sql<{
    id: string;
    account_id: string;
    remaining: number;
    sink: string;
    partner_id: string;
    organization_id: string | null;
    credit_type: string;
  }>`
    SELECT b.id, b.account_id, b.remaining, s.id AS sink, a.partner_id, a.organization_id,
      a.credit_type
    FROM blocks b
    JOIN accounts a ON a.id = b.account_id
    -- The owner's expiry sink. (Owner: the organization, or the partner for its own accounts;
    -- an equality, so the join is a hash join, not a comparison of every pair.)
    JOIN accounts s ON s.partner_id = a.partner_id
      AND coalesce(s.organization_id, s.partner_id) = coalesce(a.organization_id, a.partner_id)
      AND s.kind = 'expiry' AND s.credit_type = a.credit_type
    WHERE b.account_id = ANY(${accountIds}::uuid[]) AND ledger_lapsed(b, ${now}::timestamptz)
    ORDER BY b.account_id, b.expires_at, b.id`.execute(lock.trx);
  await setRemaining(
    lock,
    rows.map((r) => ({ id: r.id, remaining: 0 })),
    { expired_at: now },
  );
  const expired = new Map<
    string,
    { partnerId: string; organizationId: string; creditType: string; amount: number }
  >();
  for (const row of rows) {
    if (row.organization_id === null) continue;
    const key = `${row.organization_id}/${row.credit_type}`;
    const entry = expired.get(key) ?? {
      partnerId: row.partner_id,
      organizationId: row.organization_id,
      creditType: row.credit_type,
      amount: 0,
    };
    entry.amount += row.remaining;
    expired.set(key, entry);
  }
  await emitEvents(
    lock.trx,
    [...expired.values()].map(({ partnerId, organizationId, creditType, amount }) => ({
      partnerId,
      organizationId,
      type: 'credits.expired' as const,
      data: { organizationId, creditType, amount },
    })),
  );
  return rows.map((r) => ({
    from: r.account_id,
    to: r.sink,
    amount: r.remaining,
    type: 'expiration',
    fromBlock: r.id,
  }));
}
