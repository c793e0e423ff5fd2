import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
//
// `invoices.overdue_at`: when an unpaid invoice was found past its due date and
// `invoice.overdue` written, once; the sweep reads the invoices not yet flagged by due date.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE invoices ADD COLUMN overdue_at timestamptz`.execute(db);
  await sql`
    CREATE INDEX invoices_unflagged_due_idx ON invoices (due_at)
      WHERE status = 'issued' AND overdue_at IS NULL`.execute(db);
}

// No `down`: a dropped column cannot be restored; restore a backup instead.
