import type { Db, Tx } from '@allot/db';
import type { Invoice } from '@allot/domain';
import { emitEvent } from '../events.ts';

/**
 * What the customer partner is told of its invoices, written in the transaction of the change:
 * issued, paid, voided, and once overdue.
 */
const ref = (invoice: Invoice) => ({
  invoiceId: invoice.id,
  number: invoice.number,
  currency: invoice.currency,
});

/** Invoices to a partner are told to that partner (`partnerId`, the invoice's row). */
const to = (partnerId: string) => ({ partnerId, organizationId: null });

export function invoiceIssued(trx: Tx, partnerId: string, invoice: Invoice) {
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
  return emitEvent(trx, {
    ...to(partnerId),
    type: 'invoice.paid',
    data: { ...ref(invoice), total: invoice.total, paidAt: paidAt.toISOString() },
  });
}

export function invoiceVoided(trx: Tx, partnerId: string, invoice: Invoice, reason: string) {
  return emitEvent(trx, {
    ...to(partnerId),
    type: 'invoice.voided',
    data: { ...ref(invoice), reason },
  });
}

export function invoiceOverdue(db: Db | Tx, partnerId: string, invoice: Invoice) {
  return emitEvent(db, {
    ...to(partnerId),
    type: 'invoice.overdue',
    data: { ...ref(invoice), amountDue: invoice.amountDue, dueAt: invoice.dueAt },
    dedupeKey: `invoice.overdue:${invoice.id}`,
  });
}
