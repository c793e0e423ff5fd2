import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
//
// `organizations.charge_period_start`: the start of the period whose identifications are
// charged, the natural key's period. Renewal moves it with the period; a billing-cycle change
// does not, so an identity charged in the period in force when the cycle changes is not charged
// again until the first period under the new cycle starts.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE organizations ADD COLUMN charge_period_start timestamptz`.execute(db);
  await sql`UPDATE organizations SET charge_period_start = period_start`.execute(db);
  await sql`ALTER TABLE organizations ALTER COLUMN charge_period_start SET NOT NULL`.execute(db);
}

// No `down`: a dropped column cannot be restored; restore a backup instead.
