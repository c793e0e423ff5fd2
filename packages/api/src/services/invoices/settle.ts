import { inTransaction, type Db, type Tx } from '@allot/db';
import {
  CURRENCY_DIGITS,
  type Currency,
  type RecordPaymentInput,
  type VoidInvoiceInput,
} from '@allot/domain';
import { badRequest, notFound, refused } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { decimal, formatAmount } from '../money.ts';
import { invoiceOverdue, invoicePaid, invoiceVoided } from './events.ts';
import { lockOrganization } from '../ledger/locks.ts';
import { renewAndLockPartner } from '../ledger/renewal.ts';
import { reinstateCredits } from './credits.ts';
import { readInvoice } from './read.ts';
import { inScope, type InvoiceScope } from './scope.ts';

/** An invoice within the scope, locked, while its payments or status change; 404 outside it. */
async function lockInvoice(trx: Tx, invoiceId: string, scope: InvoiceScope) {
  const row = await inScope(trx.selectFrom('invoices'), scope)
    .selectAll()
    .where('id', '=', invoiceId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound('Invoice');
  return row;
}

function refuseUnlessOpen(status: string) {
  if (status === 'void') throw refused({ code: 'invoice_void', message: 'This invoice is void.' });
  if (status === 'paid')
    throw refused({ code: 'invoice_paid', message: 'This invoice is already paid.' });
}

/**
 * Records money received against an invoice: partial payments add up, and the one that reaches
 * the total marks it paid; a reference already recorded on the invoice is not added again. More than is due is a 422, an amount finer than the currency's
 * minor unit a 400.
 */
export async function recordPayment(
  trx: Tx,
  input: RecordPaymentInput,
  now: Date,
  scope: InvoiceScope,
) {
  const invoice = await lockInvoice(trx, input.invoiceId, scope);
  // A reference names one transfer: recorded again (a retried notification, a second click), it
  // is answered, not added. Checked under the invoice's lock, so two at once add it once.
  if (input.reference) {
    const known = await trx
      .selectFrom('invoice_payments')
      .select('id')
      .where('invoice_id', '=', invoice.id)
      .where('reference', '=', input.reference)
      .executeTakeFirst();
    if (known) return { invoice: await readInvoice(trx, invoice.id, now) };
  }
  refuseUnlessOpen(invoice.status);
  const currency = invoice.currency as Currency;
  const amount = decimal(input.amount);
  if (amount.decimalPlaces() > CURRENCY_DIGITS[currency])
    throw badRequest(
      'invalid_amount',
      `${currency} amounts have at most ${CURRENCY_DIGITS[currency]} decimal places.`,
    );
  if (amount.isZero()) throw badRequest('invalid_amount', 'A payment is more than zero.');
  const paid = decimal(invoice.amount_paid).plus(amount);
  const total = decimal(invoice.total);
  if (paid.greaterThan(total))
    throw refused({
      code: 'overpayment',
      message: `Only ${formatAmount(total.minus(decimal(invoice.amount_paid)), currency)} ${currency} is due.`,
    });
  await trx
    .insertInto('invoice_payments')
    .values({
      id: newId(),
      invoice_id: invoice.id,
      amount: amount.toFixed(),
      method: input.method,
      reference: input.reference ?? null,
      paid_at: input.paidAt ?? now,
      created_at: now,
    })
    .execute();
  await trx
    .updateTable('invoices')
    .set({
      amount_paid: formatAmount(paid, currency),
      status: paid.equals(total) ? 'paid' : 'issued',
      updated_at: now,
    })
    .where('id', '=', invoice.id)
    .execute();
  const read = await readInvoice(trx, invoice.id, now);
  if (read.status === 'paid')
    await invoicePaid(trx, invoice.partner_id, read, new Date(input.paidAt ?? now));
  return { invoice: read };
}

/**
 * Voids an unpaid invoice, with a reason. Its number stays taken (numbers are never reused),
 * what it billed is released (the entries and fee periods: the next invoice bills them again),
 * and the credits it applied go back to the customer (a partner's wallet, an organization's
 * credits).
 */
export async function voidInvoice(
  trx: Tx,
  input: VoidInvoiceInput,
  now: Date,
  scope: InvoiceScope,
) {
  // The customer's locks first, as every ledger write: the credits it applied go back to it.
  const customer = await inScope(trx.selectFrom('invoices'), scope)
    .select(['partner_id', 'organization_id'])
    .where('id', '=', input.invoiceId)
    .executeTakeFirst();
  if (!customer) throw notFound('Invoice');
  const partner = await renewAndLockPartner(trx, customer.partner_id, now);
  const lock =
    customer.organization_id === null
      ? partner
      : await lockOrganization(partner, customer.organization_id);
  const invoice = await lockInvoice(trx, input.invoiceId, scope);
  refuseUnlessOpen(invoice.status);
  if (!decimal(invoice.amount_paid).isZero())
    throw refused({
      code: 'invoice_partly_paid',
      message: 'Payments were recorded against this invoice; it cannot be voided.',
    });
  await trx.deleteFrom('invoice_line_entries').where('invoice_id', '=', invoice.id).execute();
  await trx.deleteFrom('invoice_line_periods').where('invoice_id', '=', invoice.id).execute();
  await reinstateCredits(lock, invoice, now);
  await trx
    .updateTable('invoices')
    .set({ status: 'void', void_reason: input.reason, updated_at: now })
    .where('id', '=', invoice.id)
    .execute();
  const read = await readInvoice(trx, invoice.id, now);
  await invoiceVoided(trx, invoice.partner_id, read, input.reason);
  return { invoice: read };
}

/**
 * Writes `invoice.overdue` once for each unpaid invoice past its due date (at most `limit` per
 * call; the next takes the rest). Returns how many it flagged.
 */
export async function flagOverdueInvoices(db: Db, now: Date, limit = 1_000): Promise<number> {
  const due = await db
    .selectFrom('invoices')
    .select(['id', 'partner_id'])
    .where('status', '=', 'issued')
    .where('overdue_at', 'is', null)
    .where('due_at', '<', now)
    .orderBy('due_at')
    .limit(limit)
    .execute();
  for (const { id, partner_id } of due)
    await inTransaction(db, async (trx) => {
      // Still unpaid and unflagged under the row lock: a payment or another sweep may have won.
      const flagged = await trx
        .updateTable('invoices')
        .set({ overdue_at: now })
        .where('id', '=', id)
        .where('status', '=', 'issued')
        .where('overdue_at', 'is', null)
        .executeTakeFirst();
      if (flagged.numUpdatedRows === 0n) return;
      await invoiceOverdue(trx, partner_id, await readInvoice(trx, id, now));
    });
  return due.length;
}
