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
  /** Told when a connection dies (a restart, a failover, a terminated backend). */
  onConnectionError?: (error: Error) => void;
}

/**
 * How long a request waits for a connection, queueing for the pool included, before it fails
 * (a 503): an unreachable server is not waited on forever, a busy pool is waited on a while.
 */
const CONNECT_TIMEOUT_MS = 10_000;

const reportLost = (error: Error) => console.error('PostgreSQL connection lost:', error.message);

/**
 * A pool that survives its connections dying. `pg` emits `'error'` on a client whose connection
 * ends; without a listener that is an uncaught exception that ends the process. The pool listens
 * only on idle clients, so every client gets a listener of its own for while it is checked out: the
 * query under way then fails (a 503 for its request) and the pool discards the client on release.
 */
export function createPool({ url, max = 10, onConnectionError = reportLost }: DatabaseOptions) {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    types,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  pool.on('error', onConnectionError);
  pool.on('connect', (client) => client.on('error', onConnectionError));
  return pool;
}

export function createDb(options: DatabaseOptions): Db {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPool(options) }) });
}

/**
 * Runs `work` in a transaction, joining the caller's if it already holds one (the
 * idempotency wrapper opens one around a whole request).
 */
export function inTransaction<T>(db: Db | Tx, work: (trx: Tx) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db as Tx) : db.transaction().execute(work);
}
