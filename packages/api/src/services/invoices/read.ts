import type { Db, InvoiceLinesTable, InvoicesTable, Tx } from '@allot/db';
import { pageFields, pageOffset, type Currency, type Invoice } from '@allot/domain';
import type { Selectable } from 'kysely';
import { notFound } from '../../errors.ts';
import { decimal, formatAmount } from '../money.ts';
import { inScope, type InvoiceScope } from './scope.ts';

type InvoiceRow = Selectable<InvoicesTable>;
type LineRow = Selectable<InvoiceLinesTable>;
type PaymentRow = {
  id: string;
  amount: string;
  method: string;
  reference: string | null;
  paid_at: Date;
  created_at: Date;
};

function toInvoice(row: InvoiceRow, lines: LineRow[], payments: PaymentRow[], now: Date): Invoice {
  const currency = row.currency as Currency;
  const money = (value: string) => formatAmount(decimal(value), currency);
  return {
    id: row.id,
    number: row.number,
    issuer: row.issuer_snapshot,
    organizationId: row.organization_id,
    customer: row.customer_snapshot,
    status: row.status,
    overdue: row.status === 'issued' && row.due_at.getTime() < now.getTime(),
    currency,
    periodStart: row.period_start.toISOString(),
    periodEnd: row.period_end.toISOString(),
    issuedAt: row.issued_at.toISOString(),
    dueAt: row.due_at.toISOString(),
    lines: lines.map((line) => ({
      id: line.id,
      description: line.description,
      organizationId: line.organization_id,
      quantity: line.quantity,
      unitPrice: line.unit_price,
      amount: money(line.amount),
      source: {
        kind: line.kind,
        periodStart: line.period_start.toISOString(),
        periodEnd: line.period_end.toISOString(),
        entries: line.entries,
      },
    })),
    subtotal: money(row.subtotal),
    taxRate: row.tax_rate,
    tax: money(row.tax),
    creditsApplied: money(row.credits_applied),
    total: money(row.total),
    amountPaid: money(row.amount_paid),
    amountDue: formatAmount(decimal(row.total).minus(decimal(row.amount_paid)), currency),
    payments: payments.map((payment) => ({
      id: payment.id,
      amount: money(payment.amount),
      method: payment.method as Invoice['payments'][number]['method'],
      reference: payment.reference,
      paidAt: payment.paid_at.toISOString(),
      createdAt: payment.created_at.toISOString(),
    })),
    voidReason: row.void_reason,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Invoices with their lines and payments, in the order of `rows`. */
async function withDetails(db: Db | Tx, rows: InvoiceRow[], now: Date): Promise<Invoice[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const [lines, payments] = await Promise.all([
    db
      .selectFrom('invoice_lines')
      .selectAll()
      .where('invoice_id', 'in', ids)
      .orderBy('position')
      .execute(),
    db
      .selectFrom('invoice_payments')
      .selectAll()
      .where('invoice_id', 'in', ids)
      .orderBy('paid_at')
      .orderBy('id')
      .execute(),
  ]);
  return rows.map((row) =>
    toInvoice(
      row,
      lines.filter((line) => line.invoice_id === row.id),
      payments.filter((payment) => payment.invoice_id === row.id),
      now,
    ),
  );
}

/**
 * One invoice by id, within a scope (a 404 outside it); with none, whichever it is (a read
 * right after the engine wrote it, in the same transaction).
 */
export async function readInvoice(
  db: Db | Tx,
  invoiceId: string,
  now: Date,
  scope?: InvoiceScope,
): Promise<Invoice> {
  let query = db.selectFrom('invoices').selectAll().where('id', '=', invoiceId);
  if (scope) query = inScope(query, scope);
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Invoice');
  const [invoice] = await withDetails(db, [row], now);
  if (!invoice) throw notFound('Invoice');
  return invoice;
}

/** A page of the invoices in a scope, newest first, by status. */
export async function listInvoices(
  db: Db | Tx,
  scope: InvoiceScope,
  input: { page: number; pageSize: number; status?: Invoice['status'] | undefined },
  now: Date,
) {
  let query = inScope(db.selectFrom('invoices'), scope);
  if (input.status) query = query.where('status', '=', input.status);
  const [rows, count] = await Promise.all([
    query
      .selectAll()
      .orderBy('issued_at', 'desc')
      .orderBy('id', 'desc')
      .limit(input.pageSize)
      .offset(pageOffset(input))
      .execute(),
    query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { invoices: await withDetails(db, rows, now), ...pageFields(input, count.total) };
}
