import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
//
// Visitor identification (the pixel):
// - `visitors` is keyed per organization by the pixel's first-party id (`client_id`) and carries
//   the identity, the ICP profiles matched, the engagement counters and the views per path
//   (`pages`, a capped jsonb map, so a page view updates one row).
// - `identifications` gets the period it was charged in; the unique index is the database's
//   guarantee of at most one identification per visitor and period.
// - `icp_profiles` holds each organization's ideal customer profiles.
// - `pixel_daily` counts accepted and refused events per organization and day, in a few shards:
//   each event's transaction holds its counter row until commit, and one row per organization
//   would queue all of a busy site's events behind each other's commits.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE visitors
      ADD COLUMN client_id text,
      ADD COLUMN company_domain text,
      ADD COLUMN industry text,
      ADD COLUMN employee_count bigint,
      ADD COLUMN revenue bigint,
      ADD COLUMN country text,
      ADD COLUMN title text,
      ADD COLUMN linkedin_url text,
      ADD COLUMN identified_at timestamptz,
      ADD COLUMN identified_period_start timestamptz,
      ADD COLUMN icp_profile_ids uuid[] NOT NULL DEFAULT '{}',
      ADD COLUMN page_views bigint NOT NULL DEFAULT 0,
      ADD COLUMN sessions bigint NOT NULL DEFAULT 0,
      ADD COLUMN engaged_seconds bigint NOT NULL DEFAULT 0,
      ADD COLUMN pages jsonb NOT NULL DEFAULT '{}'`.execute(db);
  await sql`UPDATE visitors SET client_id = id::text`.execute(db);
  await sql`ALTER TABLE visitors ALTER COLUMN client_id SET NOT NULL`.execute(db);
  await sql`CREATE UNIQUE INDEX visitors_client_idx ON visitors (organization_id, client_id)`.execute(
    db,
  );

  await sql`ALTER TABLE identifications ADD COLUMN period_start timestamptz`.execute(db);
  await sql`UPDATE identifications SET period_start = identified_at`.execute(db);
  await sql`ALTER TABLE identifications ALTER COLUMN period_start SET NOT NULL`.execute(db);
  await sql`
    CREATE UNIQUE INDEX identifications_once_per_period_idx
      ON identifications (organization_id, visitor_id, period_start)`.execute(db);

  await sql`
    CREATE TABLE icp_profiles (
      id uuid PRIMARY KEY,
      partner_id uuid NOT NULL REFERENCES partners (id),
      organization_id uuid NOT NULL REFERENCES organizations (id),
      name text NOT NULL,
      rules jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX icp_profiles_name_idx ON icp_profiles (organization_id, lower(name))`.execute(
    db,
  );

  await sql`
    CREATE TABLE pixel_daily (
      organization_id uuid NOT NULL REFERENCES organizations (id),
      partner_id uuid NOT NULL REFERENCES partners (id),
      day date NOT NULL,
      shard smallint NOT NULL,
      events bigint NOT NULL DEFAULT 0,
      refused bigint NOT NULL DEFAULT 0,
      last_event_at timestamptz,
      PRIMARY KEY (organization_id, day, shard)
    )`.execute(db);
  await sql`CREATE INDEX pixel_daily_partner_idx ON pixel_daily (partner_id, day)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE pixel_daily`.execute(db);
  await sql`DROP TABLE icp_profiles`.execute(db);
  await sql`DROP INDEX identifications_once_per_period_idx`.execute(db);
  await sql`ALTER TABLE identifications DROP COLUMN period_start`.execute(db);
  await sql`DROP INDEX visitors_client_idx`.execute(db);
  await sql`
    ALTER TABLE visitors
      DROP COLUMN client_id, DROP COLUMN company_domain, DROP COLUMN industry,
      DROP COLUMN employee_count, DROP COLUMN revenue, DROP COLUMN country, DROP COLUMN title,
      DROP COLUMN linkedin_url, DROP COLUMN identified_at, DROP COLUMN identified_period_start,
      DROP COLUMN icp_profile_ids, DROP COLUMN page_views, DROP COLUMN sessions,
      DROP COLUMN engaged_seconds, DROP COLUMN pages`.execute(db);
}
