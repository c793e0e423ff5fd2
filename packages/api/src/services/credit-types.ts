import type { Db, Tx } from '@allot/db';
import type { CreateCreditTypeInput } from '@allot/domain';
import { conflict } from '../errors.ts';

const toCreditType = (row: { key: string; name: string; unit: string; created_at: Date }) => ({
  key: row.key,
  name: row.name,
  unit: row.unit,
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

/** Adds a credit type; every balance, grant and entry can then be kept in it. Keys are permanent. */
export async function createCreditType(trx: Tx, input: CreateCreditTypeInput, now: Date) {
  const row = await trx
    .insertInto('credit_types')
    .values({ key: input.key, name: input.name, unit: input.unit, created_at: now })
    .onConflict((oc) => oc.column('key').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw conflict('credit_type_exists', `A credit type "${input.key}" already exists`);
  return { creditType: toCreditType(row) };
}
