import type { Db } from '@allot/db';
import { sql } from 'kysely';
import { expect } from 'vitest';

/**
 * The books' invariants, over every account of the database: all balances sum to zero, only
 * issuance is negative, and each account's sequence counts its entries.
 */
export async function expectBooksBalance(db: Db): Promise<void> {
  const { rows } = await sql<{ total: string; negative: number; drift: number }>`
    SELECT (SELECT sum(balance) FROM accounts) AS total,
      (SELECT count(*) FROM accounts WHERE balance < 0 AND kind <> 'issuance')::int AS negative,
      (SELECT count(*) FROM accounts a WHERE a.sequence <> (SELECT count(*) FROM entries e
        WHERE e.account_id = a.id))::int AS drift`.execute(db);
  expect(rows[0]).toEqual({ total: '0', negative: 0, drift: 0 });
}
