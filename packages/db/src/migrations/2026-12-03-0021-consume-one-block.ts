import type { Kysely } from 'kysely';
import { applySqlFile } from '../sql/files.ts';

// Frozen: never edit a migration that has shipped; add a new one.
//
// `ledger_consume` burns the usual way, from the first block in burn order when it covers the
// whole amount, without building the arrays of a many-block burn; it reports `available` only
// with a refusal for want of credits.
export async function up(db: Kysely<unknown>): Promise<void> {
  await applySqlFile(db, 'functions/ledger_consume.sql');
}

// No `down`: restore a backup instead.
