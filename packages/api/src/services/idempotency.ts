import { sql } from 'kysely';
import { inTransaction, type Db, type Tx } from '@allot/db';
import { createHash } from 'node:crypto';
import type { Context } from '../context.ts';
import { badRequest, conflict } from '../errors.ts';

/** JSON with sorted keys, so `{a, b}` and `{b, a}` are the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const MAX_KEY_LENGTH = 255;
/** How long a key is remembered: a retry comes within minutes; a day later the same key is a new request. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface OnceOptions<T> {
  /**
   * For operations that issue a secret (an API key): the response field that holds it. Secrets
   * are stored hashed only, so it is left out of the stored response, and a replay cannot show it
   * again: it answers 409 with the rest of the first response, so the caller learns what was created.
   */
  secretField?: keyof T & string;
}

/** Tells the transport that the answer is a stored one, for its `Idempotent-Replayed` header. */
export function markReplayed(ctx: Pick<Context, 'response'>) {
  if (ctx.response) ctx.response.replayed = true;
}

/**
 * Runs a write at most once per idempotency key. The key is claimed, the work done and its
 * result stored in one transaction: a retry after a crash either finds the stored result or
 * finds nothing and runs again, never half of each. Concurrent requests with one key wait on
 * an advisory lock and then replay. The same key with another operation or body is a 409.
 * Keys are remembered for IDEMPOTENCY_WINDOW_MS.
 */
export async function once<T>(
  ctx: Context & { idempotencyScope: string },
  operation: string,
  input: unknown,
  work: (trx: Tx) => Promise<T>,
  options: OnceOptions<T> = {},
): Promise<T> {
  const key = ctx.credentials.idempotencyKey;
  if (key === undefined) return inTransaction(ctx.db, work);
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw badRequest(
      'invalid_idempotency_key',
      `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} characters`,
    );
  }
  const scope = ctx.idempotencyScope;
  const fingerprint = createHash('sha256')
    .update(`${operation}\n${canonical(input)}`)
    .digest('hex');

  return inTransaction(ctx.db, async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${scope}\n${key}`}, 0))`.execute(
      trx,
    );
    const now = ctx.clock();
    // An expired record is forgotten, so the key starts afresh.
    await trx
      .deleteFrom('idempotency_keys')
      .where('scope', '=', scope)
      .where('key', '=', key)
      .where('created_at', '<=', new Date(now.getTime() - IDEMPOTENCY_WINDOW_MS))
      .execute();
    const prior = await trx
      .selectFrom('idempotency_keys')
      .select(['fingerprint', 'response'])
      .where('scope', '=', scope)
      .where('key', '=', key)
      .executeTakeFirst();
    if (prior) {
      if (prior.fingerprint !== fingerprint) {
        throw conflict(
          'idempotency_key_reused',
          'This Idempotency-Key was used with a different request',
        );
      }
      if (options.secretField) {
        throw conflict(
          'secret_not_replayable',
          `This request already succeeded; its ${options.secretField} was shown once and is not stored. Issue a new one instead.`,
          prior.response,
        );
      }
      markReplayed(ctx);
      return prior.response as T;
    }
    const result = await work(trx);
    const stored = options.secretField ? { ...result, [options.secretField]: undefined } : result;
    await trx
      .insertInto('idempotency_keys')
      .values({
        scope,
        key,
        fingerprint,
        response: JSON.stringify(stored ?? null),
        created_at: now,
      })
      .execute();
    return result;
  });
}

/** Deletes keys past their window (a key is forgotten on use anyway; this keeps the table small). */
export async function forgetIdempotencyKeys(db: Db | Tx, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('idempotency_keys')
    .where('created_at', '<=', new Date(now.getTime() - IDEMPOTENCY_WINDOW_MS))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
