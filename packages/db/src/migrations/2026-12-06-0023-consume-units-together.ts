import type { Kysely } from 'kysely';
import { applySqlFile } from '../sql/files.ts';

// Frozen: never edit a migration that has shipped; add a new one.
//
// `ledger_consume_units` burns a batch over many organizations in a few statements for all of
// them (one claims insert, one block update, one posting) instead of a round of statements per
// organization.
export async function up(db: Kysely<unknown>): Promise<void> {
  await applySqlFile(db, 'functions/ledger_consume_units.sql');
}

// No `down`: restore a backup instead.
