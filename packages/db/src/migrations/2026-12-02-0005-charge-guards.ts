import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
//
// What keeps an organization's credits from being spent for nothing:
// - `pixel_daily.bots`: events from crawlers and automated browsers, counted, never identified.
// - `organizations.identification_cap_period` / `_day`: the most identifications charged per
//   billing period and per UTC day (null: no cap); past them visits stay unidentified.
// - `organizations.anomaly_threshold`: the most new identifications charged per hour from one
//   network (/24 IPv4, /48 IPv6); past it they are not charged (null: no guard).
// - `charge_windows`: one counter of charged identifications per organization and window (the
//   period, the day, a network's hour), written in the charge's transaction, so a cap holds to
//   the credit however many processes charge at once. Swept once expired.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE pixel_daily ADD COLUMN bots bigint NOT NULL DEFAULT 0`.execute(db);
  await sql`
    ALTER TABLE organizations
      ADD COLUMN identification_cap_period integer CHECK (identification_cap_period > 0),
      ADD COLUMN identification_cap_day integer CHECK (identification_cap_day > 0),
      ADD COLUMN anomaly_threshold integer DEFAULT 50 CHECK (anomaly_threshold > 0)`.execute(db);
  await sql`
    CREATE TABLE charge_windows (
      organization_id uuid NOT NULL REFERENCES organizations(id),
      scope text NOT NULL,
      identifications integer NOT NULL,
      expires_at timestamptz NOT NULL,
      PRIMARY KEY (organization_id, scope)
    )`.execute(db);
  await sql`CREATE INDEX charge_windows_expiry_idx ON charge_windows (expires_at)`.execute(db);
}

// No `down`: a dropped column cannot be restored; restore a backup instead.
