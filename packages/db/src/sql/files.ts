import { readFileSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';

/**
 * The baseline's functions, one file each in ./functions, in the order they are created: a
 * SQL-language function is checked against what exists when it is created, so a function comes
 * after what it calls. A function added later is applied by the migration that adds it.
 */
export const FUNCTIONS = [
  'ledger_lock_rank',
  'ledger_spendable',
  'ledger_lapsed',
  'spendable_blocks',
  'ledger_allows_overage',
  'ledger_post',
  'ledger_consume',
  'ledger_balance_crossed',
  'webhook_fan_out',
] as const;

/** Runs one of the schema's SQL files (a path under this directory) as one statement batch. */
export async function applySqlFile(db: Kysely<unknown>, path: string): Promise<void> {
  const text = readFileSync(new URL(path, import.meta.url), 'utf8');
  await sql.raw(text).execute(db);
}
