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
 * Parameterized statements run as named prepared statements, so each connection parses and plans
 * a query's text once instead of on every execution: for the short queries of the hot paths the
 * planning cost more than the execution. Names are per text and per process; past this many
 * texts new ones run unnamed, so what a connection holds stays bounded.
 */
const PREPARED_TEXTS = 1_000;
const statementNames = new Map<string, string>();
let statementsNamed = 0;

function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < PREPARED_TEXTS) {
    name = `allot_${statementsNamed++}`;
    statementNames.set(text, name);
  }
  return name;
}

/** How a prepared `SELECT *` fails once its table's columns have changed (a migration). */
const CACHED_PLAN_CHANGED = '0A000';

/** pg's own `query`, whose every overload the subclass passes its arguments on to. */
const query = Reflect.get(pg.Client.prototype, 'query') as (
  this: pg.Client,
  ...args: unknown[]
) => unknown;

class PreparingClient extends pg.Client {
  override query(...args: unknown[]): never {
    const [text, values] = args;
    const name =
      args.length === 2 && typeof text === 'string' && Array.isArray(values) && values.length > 0
        ? statementName(text)
        : undefined;
    if (name === undefined) return query.apply(this, args) as never;
    // Whether this statement runs on its own: no transaction was open when it was sent.
    const alone = this.getTransactionStatus() === 'I';
    const running = super.query({ name, text: text as string, values: values as unknown[] });
    return running.catch((error: unknown) => {
      if ((error as { code?: unknown }).code !== CACHED_PLAN_CHANGED) throw error;
      // The text is prepared again under a new name, on every connection. A statement on its
      // own changed nothing and runs again at once; in a transaction, which has failed with it,
      // the error is the caller's, whose retry finds the new name.
      statementNames.delete(text as string);
      if (!alone) throw error;
      return this.query(text, values);
    }) as never;
  }
}

/**
 * A pool that survives its connections dying. `pg` emits `'error'` on a client whose connection
 * ends; without a listener that is an uncaught exception that ends the process. The pool listens
 * only on idle clients, so every client gets a listener of its own for while it is checked out: the
 * query under way then fails (a 503 for its request) and the pool discards the client on release.
 */
export function createPool({ url, max = 10, onConnectionError = reportLost }: DatabaseOptions) {
  const pool = new pg.Pool({
    Client: PreparingClient,
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
