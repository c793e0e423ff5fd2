import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
//
// The people who sign in to the admin app, and their sessions.
// - `users`: one partner each. An email signs in to one account anywhere, compared without case
//   (the unique index is on lower(email)). Only an argon2id hash of the password is kept.
//   Disabling keeps the row (who did what stays readable) and ends its sessions.
// - `sessions`: only sha256 of the session token is kept, so a copy of the table opens no
//   session. `expires_at` is the absolute end; the idle limit is read from `last_seen_at`.
//   The CSRF token is derived from the session token (see services/sessions.ts), so it needs
//   no column.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE users (
      id uuid PRIMARY KEY,
      partner_id uuid NOT NULL REFERENCES partners (id),
      email text NOT NULL CHECK (email = lower(email)),
      password_hash text NOT NULL,
      role text NOT NULL CHECK (role IN ('admin', 'member')),
      created_at timestamptz NOT NULL DEFAULT now(),
      last_login_at timestamptz,
      disabled_at timestamptz
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX users_email_key ON users (lower(email))`.execute(db);
  await sql`CREATE INDEX users_partner_idx ON users (partner_id, created_at)`.execute(db);

  await sql`
    CREATE TABLE sessions (
      id uuid PRIMARY KEY,
      token_hash bytea NOT NULL UNIQUE,
      user_id uuid NOT NULL REFERENCES users (id),
      partner_id uuid NOT NULL REFERENCES partners (id),
      created_at timestamptz NOT NULL,
      last_seen_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX sessions_user_idx ON sessions (user_id)`.execute(db);
  await sql`CREATE INDEX sessions_expires_idx ON sessions (expires_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE sessions`.execute(db);
  await sql`DROP TABLE users`.execute(db);
}
