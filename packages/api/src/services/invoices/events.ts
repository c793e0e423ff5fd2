import type { Db, Tx } from '@allot/db';
import type { Invoice } from '@allot/domain';
import { emitEvent } from '../events.ts';

/**
 * What the customer partner is told of its invoices, and an issuing partner of its invoices to
 * its organizations (`client_invoice.*`), written in the transaction of the change: issued,
 * paid, voided, and once overdue.
 */
const ref = (invoice: Invoice) => ({
  invoiceId: invoice.id,
  number: invoice.number,
  currency: invoice.currency,
});

/**
 * Invoices to a partner are told to that partner (`partnerId`, the invoice's row); a partner's
 * invoices to its organizations are told to it as `client_invoice.*`.
 */
const to = (partnerId: string) => ({ partnerId, organizationId: null });

export function invoiceIssued(trx: Tx, partnerId: string, invoice: Invoice) {
  if (invoice.organizationId !== null) return clientInvoiceIssued(trx, partnerId, invoice);
  return emitEvent(trx, {
    ...to(partnerId),
    type: 'invoice.issued',
    data: {
      ...ref(invoice),
      total: invoice.total,
      amountDue: invoice.amountDue,
      periodStart: invoice.periodStart,
      periodEnd: invoice.periodEnd,
      dueAt: invoice.dueAt,
    },
  });
}

export function invoicePaid(trx: Tx, partnerId: string, invoice: Invoice, paidAt: Date) {
  if (invoice.organizationId !== null) return clientInvoicePaid(trx, partnerId, invoice, paidAt);
  return emitEvent(trx, {
    ...to(partnerId),
    type: 'invoice.paid',
    data: { ...ref(invoice), total: invoice.total, paidAt: paidAt.toISOString() },
  });
}

export function invoiceVoided(trx: Tx, partnerId: string, invoice: Invoice, reason: string) {
  if (invoice.organizationId !== null) return clientInvoiceVoided(trx, partnerId, invoice, reason);
  return emitEvent(trx, {
    ...to(partnerId),
    type: 'invoice.voided',
    data: { ...ref(invoice), reason },
  });
}

export function invoiceOverdue(db: Db | Tx, partnerId: string, invoice: Invoice) {
  if (invoice.organizationId !== null) return clientInvoiceOverdue(db, partnerId, invoice);
  return emitEvent(db, {
    ...to(partnerId),
    type: 'invoice.overdue',
    data: { ...ref(invoice), amountDue: invoice.amountDue, dueAt: invoice.dueAt },
    dedupeKey: `invoice.overdue:${invoice.id}`,
  });
}

/** A client invoice is told to its issuing partner, about the organization it bills. */
const client = (partnerId: string, invoice: Invoice) => ({
  partnerId,
  organizationId: invoice.organizationId,
});
const clientRef = (invoice: Invoice) => ({
  ...ref(invoice),
  organizationId: invoice.organizationId ?? '',
});

function clientInvoiceIssued(trx: Tx, partnerId: string, invoice: Invoice) {
  return emitEvent(trx, {
    ...client(partnerId, invoice),
    type: 'client_invoice.issued',
    data: {
      ...clientRef(invoice),
      subtotal: invoice.subtotal,
      creditsApplied: invoice.creditsApplied,
      total: invoice.total,
      amountDue: invoice.amountDue,
      periodStart: invoice.periodStart,
      periodEnd: invoice.periodEnd,
      dueAt: invoice.dueAt,
    },
  });
}

function clientInvoicePaid(trx: Tx, partnerId: string, invoice: Invoice, paidAt: Date) {
  return emitEvent(trx, {
    ...client(partnerId, invoice),
    type: 'client_invoice.paid',
    data: { ...clientRef(invoice), total: invoice.total, paidAt: paidAt.toISOString() },
  });
}

function clientInvoiceVoided(trx: Tx, partnerId: string, invoice: Invoice, reason: string) {
  return emitEvent(trx, {
    ...client(partnerId, invoice),
    type: 'client_invoice.voided',
    data: { ...clientRef(invoice), reason },
  });
}

function clientInvoiceOverdue(db: Db | Tx, partnerId: string, invoice: Invoice) {
  return emitEvent(db, {
    ...client(partnerId, invoice),
    type: 'client_invoice.overdue',
    data: { ...clientRef(invoice), amountDue: invoice.amountDue, dueAt: invoice.dueAt },
    dedupeKey: `client_invoice.overdue:${invoice.id}`,
  });
}
