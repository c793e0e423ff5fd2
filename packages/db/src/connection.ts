import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

const INT8_OID = 20;

/**
 * bigint columns hold credits. They come back as numbers only while that is exact:
 * a value past 2^53 would silently lose credits, so it throws instead.
 */
function parseInt8(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed))
    throw new RangeError(`bigint ${value} exceeds the exact range`);
  return parsed;
}

const defaultParser = pg.types.getTypeParser as (
  oid: number,
  format?: 'text' | 'binary',
) => unknown;

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? parseInt8 : defaultParser(oid, format)) as typeof pg.types.getTypeParser,
};

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

export interface DatabaseOptions {
  url: string;
  /** Pool size; a server process needs a handful, a test file one or two. */
  max?: number;
  /** Told when an idle connection dies (a restart, a failover); the pool replaces it. */
  onConnectionError?: (error: Error) => void;
}

export function createDb({ url, max = 10, onConnectionError }: DatabaseOptions): Db {
  const pool = new pg.Pool({ connectionString: url, max, types });
  // Without a listener, an idle client's error is an uncaught exception that ends the process.
  pool.on(
    'error',
    onConnectionError ?? ((error) => console.error('PostgreSQL connection lost:', error.message)),
  );
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Runs `work` in a transaction, joining the caller's if it already holds one (the
 * idempotency wrapper opens one around a whole request).
 */
export function inTransaction<T>(db: Db | Tx, work: (trx: Tx) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db as Tx) : db.transaction().execute(work);
}
