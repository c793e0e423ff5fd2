import { inTransaction, type Db } from '@allot/db';
import type { Invoice, RecordPaymentInput } from '@allot/domain';
import { OPERATOR_INVOICES } from './scope.ts';
import { recordPayment } from './settle.ts';

/**
 * Where an adapter for a payment provider (Stripe first) plugs in. Allot issues and numbers the
 * invoice; the provider collects the money and tells Allot, and Allot records the payment
 * exactly once (`recordPayment` answers a reference it already holds). No adapter ships until
 * it can be tested against the provider's own test mode.
 */
export interface PaymentProvider {
  /** Names the provider in payment references: `<name>:<its payment id>`. */
  readonly name: string;
  /**
   * Asks the provider to collect an issued invoice (a hosted payment page, or a charge on the
   * customer's saved method), after the issuing transaction committed: from `invoice.issued` in
   * the outbox, so a crash retries it. Returns the provider's id for the collection and, when the
   * customer must act, where to send them.
   */
  collect(invoice: Invoice): Promise<{ collectionId: string; url: string | null }>;
  /**
   * Reads a notification the provider sent (its webhook), after checking its signature: the
   * payment it reports, or null for anything else. Throws on a bad signature.
   */
  parseNotification(headers: Record<string, string>, body: string): Promise<ProviderPayment | null>;
}

/** A payment a provider reports: money received against one of Allot's invoices. */
export interface ProviderPayment {
  invoiceId: string;
  /** In the invoice's currency, as a decimal string ("100.00"). */
  amount: string;
  /** The provider's own id for the payment: what makes a retried notification a replay. */
  paymentId: string;
  method: RecordPaymentInput['method'];
  paidAt: Date;
}

/**
 * Records what a provider's notification reports, once however often it is delivered. Returns
 * the invoice after it, or null when the notification was not a payment.
 */
export async function settleNotification(
  db: Db,
  provider: PaymentProvider,
  headers: Record<string, string>,
  body: string,
  now: Date,
): Promise<Invoice | null> {
  const payment = await provider.parseNotification(headers, body);
  if (!payment) return null;
  const { invoice } = await inTransaction(db, (trx) =>
    recordPayment(
      trx,
      {
        invoiceId: payment.invoiceId,
        amount: payment.amount,
        method: payment.method,
        reference: `${provider.name}:${payment.paymentId}`,
        paidAt: payment.paidAt.toISOString(),
      },
      now,
      OPERATOR_INVOICES,
    ),
  );
  return invoice;
}
