import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
//
// The unit of charge becomes the identity the source resolved, not the browser:
// - `identities`: one row per organization and identity key (`identityKey` in domain), so every
//   visitor (browser, cookie, device) resolving to one company or person links to one row;
// - `visitors.identity_id`: which identity a visitor is;
// - `identifications.identity_id`: an identification is of an identity; the unique index is the
//   database's guarantee of at most one per identity and period.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE identities (
      id uuid PRIMARY KEY,
      partner_id uuid NOT NULL REFERENCES partners (id),
      organization_id uuid NOT NULL REFERENCES organizations (id),
      key text NOT NULL,
      created_at timestamptz NOT NULL,
      CONSTRAINT identities_key UNIQUE (organization_id, key)
    )`.execute(db);
  await sql`ALTER TABLE visitors ADD COLUMN identity_id uuid REFERENCES identities (id)`.execute(
    db,
  );
  await sql`CREATE INDEX visitors_identity_idx ON visitors (identity_id) WHERE identity_id IS NOT NULL`.execute(
    db,
  );
  await sql`ALTER TABLE identifications ADD COLUMN identity_id uuid REFERENCES identities (id)`.execute(
    db,
  );
  await sql`
    CREATE UNIQUE INDEX identifications_identity_once_per_period_idx
      ON identifications (organization_id, identity_id, period_start)
      WHERE identity_id IS NOT NULL`.execute(db);
}

// No `down`: a dropped column cannot be restored; restore a backup instead.
