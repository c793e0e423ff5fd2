import { sql, type Kysely } from 'kysely';
import { applySqlFile } from '../sql/files.ts';

// Frozen: never edit a migration that has shipped; add a new one.
//
// Monetary credits applied to invoices:
// - two account kinds: `wallet`, a customer partner's own monetary credits (the operator's
//   grants), and `applied`, the sink of credits applied to invoices (a partner's, or later an
//   organization's); two entry types: `application` (credits applied to an invoice) and
//   `reinstatement` (given back by its void);
// - one monetary credit type per currency: its credits are that money, and an invoice applies
//   them in one burn order;
// - `invoice_credit_applications`: what each invoice took from which block, so a void gives
//   exactly that back and `pending` is what unpaid invoices hold;
// - the lock rank of the new kinds.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE accounts DROP CONSTRAINT accounts_kind_check`.execute(db);
  await sql`
    ALTER TABLE accounts ADD CONSTRAINT accounts_kind_check CHECK (kind IN ('issuance', 'pool',
      'organization', 'consumption', 'expiry', 'void', 'wallet', 'applied'))`.execute(db);
  await sql`ALTER TABLE accounts DROP CONSTRAINT accounts_owner_matches_kind`.execute(db);
  await sql`
    ALTER TABLE accounts ADD CONSTRAINT accounts_owner_matches_kind CHECK (
      (kind IN ('issuance', 'pool', 'wallet') = (organization_id IS NULL))
      OR kind IN ('expiry', 'void', 'applied'))`.execute(db);
  await sql`ALTER TABLE entries DROP CONSTRAINT entries_type_check`.execute(db);
  await sql`
    ALTER TABLE entries ADD CONSTRAINT entries_type_check CHECK (type IN ('allocation', 'reclaim',
      'increment', 'decrement', 'expiration', 'void', 'amendment', 'renewal', 'overage',
      'application', 'reinstatement'))`.execute(db);
  await sql`
    CREATE UNIQUE INDEX credit_types_currency_idx ON credit_types (currency)
      WHERE currency IS NOT NULL`.execute(db);
  await sql`
    CREATE TABLE invoice_credit_applications (
      invoice_id uuid NOT NULL REFERENCES invoices(id),
      block_id uuid NOT NULL REFERENCES blocks(id),
      credit_type text NOT NULL REFERENCES credit_types(key),
      credits bigint NOT NULL CHECK (credits > 0),
      PRIMARY KEY (invoice_id, block_id)
    )`.execute(db);
  await sql`
    CREATE INDEX invoice_credit_applications_block_idx ON invoice_credit_applications (block_id)`.execute(
    db,
  );
  await applySqlFile(db, 'functions/ledger_lock_rank.sql');
}

// No `down`: restore a backup instead.
