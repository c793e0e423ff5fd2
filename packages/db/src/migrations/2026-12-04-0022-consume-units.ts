import { sql, type Kysely } from 'kysely';
import { applySqlFile } from '../sql/files.ts';

// Frozen: never edit a migration that has shipped; add a new one.
//
// `ledger_consume_units` burns a batch of one-credit charges per organization in one posting;
// `ledger_post` takes each transfer's own time for it (the nine-argument form is replaced by one
// with that optional tenth).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION IF EXISTS ledger_post(uuid[], uuid[], bigint[], text[], uuid[], uuid[],
    text[], text[], timestamptz)`.execute(db);
  await applySqlFile(db, 'functions/ledger_post.sql');
  await applySqlFile(db, 'functions/ledger_consume_units.sql');
}

// No `down`: restore a backup instead.
