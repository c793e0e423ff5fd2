import type { Kysely } from 'kysely';
import { applySqlFile, FUNCTIONS } from '../sql/files.ts';

// Frozen: never edit a migration that has shipped; add a new one. A new migration that changes a
// function edits the function's file (one current body, its history in git) and applies it
// again with `applySqlFile`.
//
// The baseline: the whole schema as it stood before the first release, then every function,
// then the triggers that call them.
export async function up(db: Kysely<any>): Promise<void> {
  await applySqlFile(db, 'tables.sql');
  for (const name of FUNCTIONS) await applySqlFile(db, `functions/${name}.sql`);
  await applySqlFile(db, 'triggers.sql');
}

// No `down`: a baseline is not rolled back; restore a backup instead.
