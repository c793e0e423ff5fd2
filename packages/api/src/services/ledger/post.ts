import { sql } from 'kysely';
import type { EntryType } from '@allot/db';
import type { AccountsLock } from './locks.ts';

/** A movement of credits between two accounts: written as one entry on each. */
export interface Transfer {
  from: string;
  to: string;
  amount: number;
  type: EntryType;
  /** The block the credits leave (on `from`) and the block they enter (on `to`). */
  fromBlock?: string | null;
  toBlock?: string | null;
  reason?: string | null;
  reference?: string | null;
}

/**
 * Posts transfers in order, set-based: one statement writes every entry (with the balance
 * after it and the account's next sequence number) and moves every balance, however many
 * transfers there are. Only locked accounts can be posted to (the handle proves it); the accounts'
 * CHECK keeps every balance but issuance at or above zero.
 */
export async function postTransfers(
  lock: AccountsLock,
  transfers: Transfer[],
  now: Date,
): Promise<void> {
  if (transfers.length === 0) return;
  for (const t of transfers) {
    if (!Number.isSafeInteger(t.amount) || t.amount <= 0)
      throw new Error(`transfer amount ${t.amount} must be a positive integer`);
  }
  const column = <T>(pick: (t: Transfer) => T) => transfers.map(pick);
  await sql`
    WITH t AS MATERIALIZED (
      SELECT t.*, nextval('ledger_transfer_seq') AS transfer_id
      FROM unnest(
        ${column((t) => t.from)}::uuid[],
        ${column((t) => t.to)}::uuid[], ${column((t) => t.amount)}::bigint[],
        ${column((t) => t.type)}::text[], ${column((t) => t.fromBlock ?? null)}::uuid[],
        ${column((t) => t.toBlock ?? null)}::uuid[], ${column((t) => t.reason ?? null)}::text[],
        ${column((t) => t.reference ?? null)}::text[]
      ) WITH ORDINALITY AS t(from_id, to_id, amount, type, from_block, to_block, reason,
        reference, ord)
    ),
    legs AS (
      SELECT ord, 0 AS side, from_id AS account_id, -amount AS delta, type, from_block AS block_id,
        reason, reference, transfer_id FROM t
      UNION ALL
      SELECT ord, 1, to_id, amount, type, to_block, reason, reference, transfer_id FROM t
    ),
    numbered AS (
      SELECT legs.*, row_number() OVER w AS rn, sum(delta) OVER w AS running
      FROM legs WINDOW w AS (PARTITION BY account_id ORDER BY ord, side ROWS UNBOUNDED PRECEDING)
    ),
    totals AS (
      SELECT account_id, sum(delta) AS total, count(*) AS n FROM legs GROUP BY account_id
    ),
    moved AS (
      UPDATE accounts a SET balance = a.balance + totals.total, sequence = a.sequence + totals.n
      FROM totals WHERE a.id = totals.account_id
      RETURNING a.id, a.kind, a.partner_id, a.organization_id, a.credit_type,
        a.balance - totals.total AS before, a.sequence - totals.n AS sequence_before
    )
    INSERT INTO entries (account_id, account_kind, partner_id, organization_id, credit_type,
      transfer_id, type, amount, balance_after, sequence, block_id, reason, reference, created_at)
    SELECT n.account_id, m.kind, m.partner_id, m.organization_id, m.credit_type, n.transfer_id,
      n.type, n.delta, m.before + n.running, m.sequence_before + n.rn, n.block_id, n.reason,
      n.reference, ${now}
    FROM numbered n JOIN moved m ON m.id = n.account_id
    ORDER BY n.ord, n.side`.execute(lock.trx);
}
