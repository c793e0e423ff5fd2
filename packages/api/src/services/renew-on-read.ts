import type { Db, Tx } from '@allot/db';
import { refreshPeriods } from './ledger/renewal.ts';

/** A read of a partner's books: the database, the partner, its own arguments, then the instant. */
type BooksRead<A extends unknown[], R> = (
  db: Db | Tx,
  partnerId: string,
  ...args: [...A, now: Date]
) => Promise<R>;

/**
 * Renew-on-read, the one place it happens: a read of balances, grants, billing or the ledger
 * first renews any of the partner's periods that has ended by `now` (one indexed query when
 * none has), so it never shows an ended period, whether or not the worker has run.
 */
export function renewsFirst<A extends unknown[], R>(read: BooksRead<A, R>): BooksRead<A, R> {
  return async (db, partnerId, ...args) => {
    const now = args[args.length - 1] as Date;
    await refreshPeriods(db, partnerId, now);
    return read(db, partnerId, ...args);
  };
}
