import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
//
// `visitors.email_source`: where a visitor's email came from. `identity`: the identity source
// resolved the person; `page`: the page handed it over (`identify`) and no source knew it, so
// it is self-declared, shown but never charged for.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE visitors ADD COLUMN email_source text
      CHECK (email_source IN ('identity', 'page'))`.execute(db);
  await sql`UPDATE visitors SET email_source = 'identity' WHERE email IS NOT NULL`.execute(db);
}

// No `down`: a dropped column cannot be restored; restore a backup instead.
