import type { Kysely } from 'kysely';
import { applySqlFile } from '../sql/files.ts';

// Frozen: never edit a migration that has shipped; add a new one.
//
// `ledger_lock_organizations` takes a batch's locks in one round trip, for ingest and for
// `ledger_consume_units`, which now calls it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await applySqlFile(db, 'functions/ledger_lock_organizations.sql');
  await applySqlFile(db, 'functions/ledger_consume_units.sql');
}

// No `down`: restore a backup instead.
