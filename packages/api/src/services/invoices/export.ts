import { sql, type Selectable } from 'kysely';
import type { Db, InvoicesTable, Tx } from '@allot/db';
import type { Currency, InvoiceStatus } from '@allot/domain';
import { csvRow } from '../csv.ts';
import { decimal, formatAmount } from '../money.ts';
import { inScope, type InvoiceScope } from './scope.ts';

/**
 * Invoices and their lines as CSV files, for a spreadsheet or an accounting import: one row per
 * invoice, or per line with its invoice's number. Streamed a batch at a time in issue order
 * (keyset on issued_at, id), so any number of invoices downloads in constant memory; invoices
 * issued after the export started are left out, so the file is one consistent cut.
 */

export interface InvoiceExportFilters {
  scope: InvoiceScope;
  status?: InvoiceStatus | undefined;
}

const BATCH = 1_000;

const INVOICE_COLUMNS = [
  'number',
  'invoiceId',
  'partnerId',
  'organizationId',
  'customer',
  'status',
  'overdue',
  'currency',
  'periodStart',
  'periodEnd',
  'issuedAt',
  'dueAt',
  'subtotal',
  'taxRate',
  'tax',
  'creditsApplied',
  'total',
  'amountPaid',
  'amountDue',
] as const;

const LINE_COLUMNS = [
  'number',
  'invoiceId',
  'position',
  'kind',
  'description',
  'organizationId',
  'quantity',
  'unitPrice',
  'amount',
  'currency',
  'periodStart',
  'periodEnd',
  'entries',
] as const;

/** The invoices matching the filters, issued by `until`. */
function invoices(db: Db | Tx, filters: InvoiceExportFilters, until: Date) {
  let query = inScope(db.selectFrom('invoices'), filters.scope).where('issued_at', '<=', until);
  if (filters.status) query = query.where('status', '=', filters.status);
  return query;
}

type Position = { issuedAt: Date; id: string } | null;
const after = (position: Position) =>
  position === null
    ? sql<boolean>`true`
    : sql<boolean>`(invoices.issued_at, invoices.id) > (${position.issuedAt}, ${position.id})`;

/** Pages through the filtered invoices in issue order, a batch at a time. */
async function* batches(
  db: Db | Tx,
  filters: InvoiceExportFilters,
  now: Date,
): AsyncGenerator<Selectable<InvoicesTable>[]> {
  let position: Position = null;
  for (;;) {
    const rows: Selectable<InvoicesTable>[] = await invoices(db, filters, now)
      .selectAll()
      .where(after(position))
      .orderBy('issued_at')
      .orderBy('id')
      .limit(BATCH)
      .execute();
    if (rows.length === 0) return;
    yield rows;
    const last = rows[rows.length - 1];
    if (!last || rows.length < BATCH) return;
    position = { issuedAt: last.issued_at, id: last.id };
  }
}

/** One row per invoice. */
export async function* invoicesCsv(
  db: Db | Tx,
  filters: InvoiceExportFilters,
  now: Date,
): AsyncGenerator<string> {
  yield `${INVOICE_COLUMNS.join(',')}\n`;
  for await (const rows of batches(db, filters, now)) {
    yield rows
      .map((row) => {
        const currency = row.currency as Currency;
        const money = (value: string) => formatAmount(decimal(value), currency);
        return csvRow(INVOICE_COLUMNS, {
          number: row.number,
          invoiceId: row.id,
          partnerId: row.partner_id,
          organizationId: row.organization_id,
          customer: row.customer_snapshot.legalName,
          status: row.status,
          overdue: row.status === 'issued' && row.due_at.getTime() < now.getTime(),
          currency,
          periodStart: row.period_start.toISOString(),
          periodEnd: row.period_end.toISOString(),
          issuedAt: row.issued_at.toISOString(),
          dueAt: row.due_at.toISOString(),
          subtotal: money(row.subtotal),
          taxRate: row.tax_rate,
          tax: money(row.tax),
          creditsApplied: money(row.credits_applied),
          total: money(row.total),
          amountPaid: money(row.amount_paid),
          amountDue: formatAmount(decimal(row.total).minus(decimal(row.amount_paid)), currency),
        });
      })
      .join('');
  }
}

/** One row per line, with its invoice's number, in issue order then line order. */
export async function* invoiceLinesCsv(
  db: Db | Tx,
  filters: InvoiceExportFilters,
  now: Date,
): AsyncGenerator<string> {
  yield `${LINE_COLUMNS.join(',')}\n`;
  for await (const rows of batches(db, filters, now)) {
    const lines = await db
      .selectFrom('invoice_lines')
      .selectAll()
      .where(
        'invoice_id',
        'in',
        rows.map((row) => row.id),
      )
      .orderBy('invoice_id')
      .orderBy('position')
      .execute();
    const byInvoice = new Map<string, typeof lines>();
    for (const line of lines) {
      const list = byInvoice.get(line.invoice_id);
      if (list) list.push(line);
      else byInvoice.set(line.invoice_id, [line]);
    }
    yield rows
      .flatMap((row) => {
        const currency = row.currency as Currency;
        return (byInvoice.get(row.id) ?? []).map((line) =>
          csvRow(LINE_COLUMNS, {
            number: row.number,
            invoiceId: row.id,
            position: line.position,
            kind: line.kind,
            description: line.description,
            organizationId: line.organization_id,
            quantity: line.quantity,
            unitPrice: line.unit_price,
            amount: formatAmount(decimal(line.amount), currency),
            currency,
            periodStart: line.period_start.toISOString(),
            periodEnd: line.period_end.toISOString(),
            entries: line.entries,
          }),
        );
      })
      .join('');
  }
}
