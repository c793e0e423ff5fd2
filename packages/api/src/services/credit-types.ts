import type { Db, Tx } from '@allot/db';
import type { CreateCreditTypeInput, Currency } from '@allot/domain';
import { conflict } from '../errors.ts';

interface CreditTypeRow {
  key: string;
  name: string;
  unit: string;
  currency: string | null;
  created_at: Date;
}

const toCreditType = (row: CreditTypeRow) => ({
  key: row.key,
  name: row.name,
  unit: row.unit,
  currency: row.currency as Currency | null,
  createdAt: row.created_at.toISOString(),
});

export async function listCreditTypes(db: Db | Tx) {
  const rows = await db
    .selectFrom('credit_types')
    .selectAll()
    .orderBy('created_at')
    .orderBy('key')
    .execute();
  return { creditTypes: rows.map(toCreditType) };
}

/**
 * Adds a credit type; every balance, grant and entry can then be kept in it. Keys are permanent.
 * A monetary one names its currency: one credit is one minor unit, so the ledger stays integer.
 */
export async function createCreditType(trx: Tx, input: CreateCreditTypeInput, now: Date) {
  const row = await trx
    .insertInto('credit_types')
    .values({
      key: input.key,
      name: input.name,
      unit: input.unit,
      currency: input.currency ?? null,
      created_at: now,
    })
    // The key, or a monetary type's currency (one credit type per currency: its credits are that
    // money), is taken.
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) {
    const taken = await trx
      .selectFrom('credit_types')
      .select('key')
      .where('key', '=', input.key)
      .executeTakeFirst();
    if (taken) throw conflict('credit_type_exists', `A credit type "${input.key}" already exists`);
    throw conflict(
      'currency_taken',
      `A monetary credit type in ${input.currency ?? ''} already exists: its credits are that money.`,
    );
  }
  return { creditType: toCreditType(row) };
}
