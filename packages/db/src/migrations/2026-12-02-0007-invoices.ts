import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
//
// The invoice engine's tables:
// - `invoice_issuers`: who issues invoices (the operator; later each partner), its identity as
//   printed, and its numbering: `last_number` is raised in the issuing transaction, so numbers
//   are gap-free and never reused, whatever runs concurrently or crashes.
// - `invoices`: issued invoices, immutable but for payment and void.
// - `invoice_runs`: one row per scheduled run (the customer and the period it closes), with
//   the invoice it issued or none when there was nothing to bill: the run happens once per key,
//   whatever the number of workers, retries and restarts.
// - `invoice_lines` and `invoice_line_entries`: each ledger entry billed by one line, once (the
//   primary key); a voided invoice releases its entries to be billed again.
// - `invoice_payments`: money received against an invoice.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE invoice_issuers (
      issuer text PRIMARY KEY,
      legal_name text NOT NULL,
      prefix text NOT NULL,
      last_number bigint NOT NULL DEFAULT 0
    )`.execute(db);
  await sql`
    INSERT INTO invoice_issuers (issuer, legal_name, prefix) VALUES ('operator', 'Allot', 'INV-')`.execute(
    db,
  );
  await sql`
    CREATE TABLE invoices (
      id uuid PRIMARY KEY,
      issuer text NOT NULL REFERENCES invoice_issuers(issuer),
      number text NOT NULL,
      partner_id uuid NOT NULL REFERENCES partners(id),
      organization_id uuid REFERENCES organizations(id),
      status text NOT NULL CHECK (status IN ('issued', 'paid', 'void')),
      currency text NOT NULL,
      period_start timestamptz NOT NULL,
      period_end timestamptz NOT NULL,
      issued_at timestamptz NOT NULL,
      due_at timestamptz NOT NULL,
      issuer_snapshot jsonb NOT NULL,
      customer_snapshot jsonb NOT NULL,
      subtotal numeric NOT NULL,
      tax_rate numeric NOT NULL,
      tax numeric NOT NULL,
      credits_applied numeric NOT NULL,
      total numeric NOT NULL CHECK (total >= 0),
      amount_paid numeric NOT NULL DEFAULT 0 CHECK (amount_paid >= 0 AND amount_paid <= total),
      void_reason text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      UNIQUE (issuer, number)
    )`.execute(db);
  await sql`CREATE INDEX invoices_partner_idx ON invoices (partner_id, issued_at, id)`.execute(db);
  await sql`CREATE INDEX invoices_issuer_idx ON invoices (issuer, issued_at, id)`.execute(db);
  await sql`
    CREATE TABLE invoice_runs (
      generation_key text PRIMARY KEY,
      invoice_id uuid REFERENCES invoices(id),
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE invoice_lines (
      id uuid PRIMARY KEY,
      invoice_id uuid NOT NULL REFERENCES invoices(id),
      position integer NOT NULL,
      kind text NOT NULL CHECK (kind IN ('pool', 'usage', 'overage')),
      description text NOT NULL,
      organization_id uuid REFERENCES organizations(id),
      quantity bigint NOT NULL,
      unit_price numeric NOT NULL,
      amount numeric NOT NULL,
      period_start timestamptz NOT NULL,
      period_end timestamptz NOT NULL,
      entries integer NOT NULL,
      UNIQUE (invoice_id, position)
    )`.execute(db);
  await sql`
    CREATE TABLE invoice_line_entries (
      entry_id bigint PRIMARY KEY REFERENCES entries(id),
      line_id uuid NOT NULL REFERENCES invoice_lines(id),
      invoice_id uuid NOT NULL REFERENCES invoices(id)
    )`.execute(db);
  await sql`CREATE INDEX invoice_line_entries_invoice_idx ON invoice_line_entries (invoice_id)`.execute(
    db,
  );
  await sql`
    CREATE TABLE invoice_payments (
      id uuid PRIMARY KEY,
      invoice_id uuid NOT NULL REFERENCES invoices(id),
      amount numeric NOT NULL CHECK (amount > 0),
      method text NOT NULL,
      reference text,
      paid_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX invoice_payments_invoice_idx ON invoice_payments (invoice_id)`.execute(db);
}

// No `down`: a dropped table cannot be restored; restore a backup instead.
