import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
//
// Money, before any invoice:
// - `credit_types.currency`: a monetary credit type's ISO 4217 currency (one credit is one
//   minor unit, so the ledger stays integer); null for a unit credit type.
// - `partner_pricing`: what the operator charges a partner, prices as `numeric` (never a float);
//   `billed_from`, the start of the period it was first priced in: nothing older is billed.
// - `billing_profiles`: who a customer's invoices are addressed to; a partner's own for now
//   (`organization_id` null), an organization's when partners invoice their clients.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE credit_types ADD COLUMN currency text CHECK (currency ~ '^[A-Z]{3}$')`.execute(
    db,
  );
  await sql`
    CREATE TABLE partner_pricing (
      partner_id uuid PRIMARY KEY REFERENCES partners(id),
      currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      pool_unit_price numeric CHECK (pool_unit_price >= 0),
      usage_unit_price numeric CHECK (usage_unit_price >= 0),
      overage_unit_price numeric CHECK (overage_unit_price >= 0),
      payment_terms_days integer NOT NULL CHECK (payment_terms_days IN (0, 15, 30, 45, 60, 90)),
      tax_rate numeric NOT NULL CHECK (tax_rate >= 0 AND tax_rate <= 1),
      billed_from timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE billing_profiles (
      id uuid PRIMARY KEY,
      partner_id uuid NOT NULL REFERENCES partners(id),
      organization_id uuid REFERENCES organizations(id),
      legal_name text NOT NULL,
      billing_email text NOT NULL,
      address jsonb NOT NULL,
      tax_id text,
      updated_at timestamptz NOT NULL
    )`.execute(db);
  await sql`
    CREATE UNIQUE INDEX billing_profiles_partner_idx ON billing_profiles (partner_id)
      WHERE organization_id IS NULL`.execute(db);
  await sql`
    CREATE UNIQUE INDEX billing_profiles_organization_idx ON billing_profiles (organization_id)
      WHERE organization_id IS NOT NULL`.execute(db);
}

// No `down`: a dropped column cannot be restored; restore a backup instead.
