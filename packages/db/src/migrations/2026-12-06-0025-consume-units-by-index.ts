import type { Kysely } from 'kysely';
import { applySqlFile } from '../sql/files.ts';

// Frozen: never edit a migration that has shipped; add a new one.
//
// `ledger_consume_units` reads the claims of its answer by index: the join to the input alone
// was planned as a scan of `consumptions` on a table of some thousand rows.
export async function up(db: Kysely<unknown>): Promise<void> {
  await applySqlFile(db, 'functions/ledger_consume_units.sql');
}

// No `down`: restore a backup instead.
