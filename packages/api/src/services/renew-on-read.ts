import type { Db, Tx } from '@allot/db';
import { inTransaction } from '@allot/db';
import type { SqlBool } from 'kysely';
import { periodEnded, refreshPeriods, renewAndLockPartner } from './ledger/renewal.ts';

/** A read of a partner's books: the database, the partner, its own arguments, then the instant. */
type BooksRead<A extends unknown[], R> = (
  db: Db | Tx,
  partnerId: string,
  ...args: [...A, now: Date]
) => Promise<R>;

/**
 * Renew-on-read: a read of balances, grants, billing or the ledger first renews any of the
 * partner's periods that has ended by `now` (one indexed query when none has), so it never shows
 * an ended period, whether or not the worker has run.
 */
export function renewsFirst<A extends unknown[], R>(read: BooksRead<A, R>): BooksRead<A, R> {
  return async (db, partnerId, ...args) => {
    const now = args[args.length - 1] as Date;
    await refreshPeriods(db, partnerId, now);
    return read(db, partnerId, ...args);
  };
}

/**
 * Whether any of the partner's periods has ended by `now`, as a column of another query: a read
 * that selects it as `due` beside its rows runs through `readRenewing`.
 */
export function partnerDue(db: Db | Tx, partnerId: string, now: Date) {
  return db
    .selectFrom('partners')
    .select((partner) => periodEnded(partner, now).as('due'))
    .where('partners.id', '=', partnerId)
    .$asScalar();
}

/**
 * The same rule folded into the read's own query, for the reads of one organization that are
 * hot paths: `read` selects `partnerDue` as `due` beside what it reads, in the same snapshot.
 * When it is set the periods are renewed and the read runs again; when it is not, what was read
 * shows no ended period, and the request made one round trip instead of two.
 */
export async function readRenewing<R extends { due: SqlBool | null }>(
  db: Db | Tx,
  partnerId: string,
  now: Date,
  read: () => Promise<R | undefined>,
): Promise<R | undefined> {
  const first = await read();
  if (!first?.due) return first;
  await inTransaction(db, (trx) => renewAndLockPartner(trx, partnerId, now));
  return read();
}
