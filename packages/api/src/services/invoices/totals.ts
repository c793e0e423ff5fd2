import { sql } from 'kysely';
import type { Currency } from '@allot/domain';
import { refused } from '../../errors.ts';
import type { OrganizationLock, PartnerLock } from '../ledger/locks.ts';
import { formatAmount } from '../money.ts';
import { applyCredits } from './credits.ts';
import { invoiceIssued, invoicePaid } from './events.ts';
import { priceLines } from './lines.ts';
import { readInvoice } from './read.ts';

export const nothingToInvoice = () =>
  refused({ code: 'nothing_to_invoice', message: 'There is nothing to invoice.' });

/**
 * The end of every issue, whoever the issuer: the billed lines priced (half-even to the minor
 * unit), the tax, the customer's monetary credits applied up to the total, the amounts and totals
 * written, the run recorded, and the customer's partner told. 422 `nothing_to_invoice` when there
 * is no line, or lines that add up to less than nothing: the caller's transaction then rolls back,
 * number included.
 */
export async function completeInvoice(
  lock: PartnerLock | OrganizationLock,
  invoice: { id: string; number: string; currency: Currency; taxRate: string },
  lines: readonly { id: string; quantity: number; unit_price: string }[],
  generationKey: string | undefined,
  now: Date,
) {
  const { trx } = lock;
  const { currency } = invoice;
  const { amounts, subtotal, tax } = priceLines(lines, currency, invoice.taxRate);
  if (lines.length === 0 || subtotal.isNegative()) throw nothingToInvoice();
  const creditsApplied = await applyCredits(lock, invoice, currency, subtotal.plus(tax), now);
  const total = subtotal.plus(tax).minus(creditsApplied);
  await sql`
    UPDATE invoice_lines l SET amount = v.amount
    FROM unnest(${lines.map((line) => line.id)}::uuid[], ${amounts.map((a) => a.toFixed())}::numeric[])
      AS v(id, amount)
    WHERE l.id = v.id`.execute(trx);
  await trx
    .updateTable('invoices')
    .set({
      subtotal: formatAmount(subtotal, currency),
      tax: formatAmount(tax, currency),
      credits_applied: formatAmount(creditsApplied, currency),
      total: formatAmount(total, currency),
      // Nothing left to pay (a free price, or credits that cover it) is paid as issued.
      status: total.isZero() ? 'paid' : 'issued',
    })
    .where('id', '=', invoice.id)
    .execute();
  if (generationKey)
    await trx
      .insertInto('invoice_runs')
      .values({ generation_key: generationKey, invoice_id: invoice.id, created_at: now })
      .execute();
  const issued = await readInvoice(trx, invoice.id, now);
  await invoiceIssued(trx, lock.partner.id, issued);
  if (issued.status === 'paid') await invoicePaid(trx, lock.partner.id, issued, now);
  return { invoice: issued };
}
