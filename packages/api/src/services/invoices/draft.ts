import type { Db, InvoiceParty, Tx } from '@allot/db';
import type { Currency, InvoiceLineKind, Period, UpcomingInvoice } from '@allot/domain';
import { decimal, formatAmount, type Amount } from '../money.ts';
import { creditsAvailable, type CreditHolder } from './credits.ts';
import { priceLines } from './lines.ts';

/** A line of a draft as the line definitions select it (`numbered`, read, not inserted). */
export interface DraftLine {
  kind: InvoiceLineKind;
  organization_id: string | null;
  description: string;
  quantity: number;
  unit_price: string;
  period_start: Date;
  period_end: Date;
  entries: number;
}

/**
 * An upcoming invoice, whoever the issuer: its lines priced as the engine would price them, and
 * the credits the customer has now that it would apply. Nothing is locked or recorded.
 */
export async function draftInvoice(
  db: Db | Tx,
  draft: {
    holder: CreditHolder;
    customer: InvoiceParty;
    currency: Currency;
    taxRate: string;
    period: Period;
    issuesAt: Date;
    lines: DraftLine[];
  },
  now: Date,
): Promise<UpcomingInvoice> {
  const { currency, lines } = draft;
  const { amounts, subtotal, tax } = priceLines(lines, currency, draft.taxRate);
  const due = subtotal.plus(tax);
  const credits = due.isPositive()
    ? await creditsAvailable(db, draft.holder, currency, due, now)
    : decimal(0);
  // A draft whose lines add up to less than nothing would not be issued: nothing is due.
  const total = due.minus(credits).isNegative() ? decimal(0) : due.minus(credits);
  const money = (value: Amount) => formatAmount(value, currency);
  return {
    status: 'draft',
    customer: draft.customer,
    currency,
    periodStart: draft.period.start.toISOString(),
    periodEnd: draft.period.end.toISOString(),
    issuesAt: draft.issuesAt.toISOString(),
    lines: lines.map((line, i) => ({
      description: line.description,
      organizationId: line.organization_id,
      quantity: line.quantity,
      unitPrice: line.unit_price,
      amount: money(amounts[i] ?? decimal(0)),
      source: {
        kind: line.kind,
        periodStart: line.period_start.toISOString(),
        periodEnd: line.period_end.toISOString(),
        entries: line.entries,
      },
    })),
    subtotal: money(subtotal),
    taxRate: draft.taxRate,
    tax: money(tax),
    creditsApplied: money(credits),
    total: money(total),
    amountDue: money(total),
  };
}
