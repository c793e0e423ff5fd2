import { sql } from 'kysely';
import type { EntryType } from '@allot/domain';
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
 * Posts transfers in order through `ledger_post`, the one posting algorithm (ledger_consume
 * posts through it too): one statement writes every entry, with the balance after it and the
 * account's next sequence number, however many transfers there are. Only locked accounts can be
 * posted to (the handle proves it). An amount that is not a positive integer is refused there.
 */
export async function postTransfers(
  lock: AccountsLock,
  transfers: Transfer[],
  now: Date,
): Promise<void> {
  if (transfers.length === 0) return;
  const column = <T>(pick: (t: Transfer) => T) => transfers.map(pick);
  await sql`SELECT ledger_post(${column((t) => t.from)}::uuid[], ${column((t) => t.to)}::uuid[],
      ${column((t) => t.amount)}::bigint[], ${column((t) => t.type)}::text[],
      ${column((t) => t.fromBlock ?? null)}::uuid[], ${column((t) => t.toBlock ?? null)}::uuid[],
      ${column((t) => t.reason ?? null)}::text[], ${column((t) => t.reference ?? null)}::text[],
      ${now}::timestamptz)`.execute(lock.trx);
}
