import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
//
// Partners invoicing their organizations:
// - `client_pricing`: what a partner charges its organizations; its default (`organization_id`
//   null) and an override per organization whose null columns inherit the default. `billed_from`:
//   when it was first set; no period that started before it, and no usage before it, is billed.
// - `partner_branding`: the partner's brand on what its clients receive, and its invoice prefix.
// - invoice line kinds `fee` (a period fee, in advance), `purchase` (credits sold at their cost
//   basis) and `top_up` (an auto top-up at its price);
// - `invoice_line_entries` keyed per issuer: the operator bills an overage entry to the partner,
//   and the partner bills the same entry to its client, each once;
// - `invoice_line_periods`: each organization period whose fee a line bills, once (a void
//   releases it, as it releases entries);
// - `client_purchases`: the grants sold to an organization (a purchase, a priced top-up), each
//   billed by the entries that credited its block;
// - `auto_top_up_rules.unit_price`: the price of each applied top-up.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE client_pricing (
      id uuid PRIMARY KEY,
      partner_id uuid NOT NULL REFERENCES partners(id),
      organization_id uuid REFERENCES organizations(id),
      currency text CHECK (currency ~ '^[A-Z]{3}$'),
      period_fee numeric CHECK (period_fee >= 0),
      overage_unit_price numeric CHECK (overage_unit_price >= 0),
      credit_unit_price numeric CHECK (credit_unit_price >= 0),
      payment_terms_days integer CHECK (payment_terms_days IN (0, 15, 30, 45, 60, 90)),
      tax_rate numeric CHECK (tax_rate >= 0 AND tax_rate <= 1),
      billed_from timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      -- The default names its currency, terms and tax; an override may inherit them.
      CHECK (organization_id IS NOT NULL
        OR (currency IS NOT NULL AND payment_terms_days IS NOT NULL AND tax_rate IS NOT NULL))
    )`.execute(db);
  await sql`
    CREATE UNIQUE INDEX client_pricing_partner_idx ON client_pricing (partner_id)
      WHERE organization_id IS NULL`.execute(db);
  await sql`
    CREATE UNIQUE INDEX client_pricing_organization_idx ON client_pricing (organization_id)
      WHERE organization_id IS NOT NULL`.execute(db);
  await sql`
    CREATE TABLE partner_branding (
      partner_id uuid PRIMARY KEY REFERENCES partners(id),
      display_name text NOT NULL,
      logo_url text,
      primary_color text CHECK (primary_color ~ '^#[0-9a-f]{6}$'),
      invoice_prefix text NOT NULL,
      support_email text,
      footer text,
      updated_at timestamptz NOT NULL
    )`.execute(db);
  await sql`ALTER TABLE invoice_lines DROP CONSTRAINT invoice_lines_kind_check`.execute(db);
  await sql`
    ALTER TABLE invoice_lines ADD CONSTRAINT invoice_lines_kind_check
      CHECK (kind IN ('pool', 'usage', 'overage', 'fee', 'purchase', 'top_up'))`.execute(db);
  await sql`ALTER TABLE invoice_line_entries ADD COLUMN issuer text NOT NULL DEFAULT 'operator'`.execute(
    db,
  );
  await sql`ALTER TABLE invoice_line_entries ALTER COLUMN issuer DROP DEFAULT`.execute(db);
  await sql`ALTER TABLE invoice_line_entries DROP CONSTRAINT invoice_line_entries_pkey`.execute(db);
  await sql`ALTER TABLE invoice_line_entries ADD PRIMARY KEY (issuer, entry_id)`.execute(db);
  await sql`
    CREATE TABLE invoice_line_periods (
      organization_id uuid NOT NULL REFERENCES organizations(id),
      period_start timestamptz NOT NULL,
      line_id uuid NOT NULL REFERENCES invoice_lines(id),
      invoice_id uuid NOT NULL REFERENCES invoices(id),
      PRIMARY KEY (organization_id, period_start)
    )`.execute(db);
  await sql`CREATE INDEX invoice_line_periods_invoice_idx ON invoice_line_periods (invoice_id)`.execute(
    db,
  );
  await sql`
    CREATE INDEX invoices_customer_idx ON invoices (issuer, organization_id, issued_at, id)`.execute(
    db,
  );
  await sql`
    CREATE TABLE client_purchases (
      block_id uuid PRIMARY KEY REFERENCES blocks(id),
      partner_id uuid NOT NULL REFERENCES partners(id),
      organization_id uuid NOT NULL REFERENCES organizations(id),
      kind text NOT NULL CHECK (kind IN ('purchase', 'top_up')),
      unit_price numeric NOT NULL CHECK (unit_price >= 0),
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`
    CREATE INDEX client_purchases_organization_idx ON client_purchases (organization_id, created_at)`.execute(
    db,
  );
  await sql`
    CREATE INDEX invoices_unpaid_organization_idx ON invoices (organization_id)
      WHERE status = 'issued' AND organization_id IS NOT NULL`.execute(db);
  await sql`
    ALTER TABLE auto_top_up_rules ADD COLUMN unit_price numeric CHECK (unit_price >= 0)`.execute(
    db,
  );
}

// No `down`: a dropped table cannot be restored; restore a backup instead.
