import { sql } from 'kysely';
import type { Db, Tx } from '@allot/db';
import { drawsFromPool, nextPeriod, type Currency, type UpcomingInvoice } from '@allot/domain';
import { cycleOf } from '../ledger/renewal.ts';
import { decimal, formatAmount, type Amount } from '../money.ts';
import { readPartner } from '../partners.ts';
import { renewsFirst } from '../renew-on-read.ts';
import { creditsAvailable } from './credits.ts';
import { customerOf } from './issue.ts';
import { priceLines, pricesFor, pricingOf, unbilledLines } from './lines.ts';

/**
 * The upcoming invoice (seed 003): what the partner's next period boundary will issue, as it
 * stands now. The same lines the engine would bill (everything not yet billed, up to now), and in
 * credit_pool the next period's pool in advance; the credits available now that it would apply.
 * Read only: no lock, no number, nothing recorded. Null for a partner that is not priced.
 */
export const upcomingInvoice = renewsFirst(async function upcomingInvoice(
  db: Db | Tx,
  partnerId: string,
  now: Date,
): Promise<{ invoice: UpcomingInvoice | null }> {
  const partner = await readPartner(db, partnerId);
  const pricing = await pricingOf(db, partnerId);
  if (!pricing) return { invoice: null };
  const currency = pricing.currency as Currency;
  const prices = pricesFor(partner, pricing);
  const period = { start: partner.pool_period_start, end: partner.pool_period_end };
  const { rows: lines } = await sql<{
    kind: 'pool' | 'usage' | 'overage';
    organization_id: string | null;
    description: string;
    quantity: number;
    unit_price: string;
    period_start: Date;
    period_end: Date;
    entries: number;
  }>`
    WITH ${unbilledLines(
      partnerId,
      pricing.billed_from,
      prices,
      // Everything so far: `until` is exclusive, and the clock counts milliseconds.
      { until: new Date(now.getTime() + 1), period },
      now,
      drawsFromPool(partner.billing_mode)
        ? { period: nextPeriod(period, cycleOf(partner)), credits: partner.pool_credits }
        : null,
    )}
    SELECT kind, organization_id, description, quantity, unit_price, period_start, period_end,
      entries
    FROM numbered ORDER BY position`.execute(db);
  const { amounts, subtotal, tax } = priceLines(lines, currency, pricing.tax_rate);
  const due = subtotal.plus(tax);
  const credits = due.isPositive()
    ? await creditsAvailable(db, { partnerId, organizationId: null }, currency, due, now)
    : decimal(0);
  // A draft whose lines add up to less than nothing would not be issued: nothing is due.
  const total = due.minus(credits).isNegative() ? decimal(0) : due.minus(credits);
  const money = (value: Amount) => formatAmount(value, currency);
  return {
    invoice: {
      status: 'draft',
      customer: await customerOf(db, partnerId, partner.name),
      currency,
      periodStart: period.start.toISOString(),
      periodEnd: period.end.toISOString(),
      issuesAt: period.end.toISOString(),
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
      taxRate: pricing.tax_rate,
      tax: money(tax),
      creditsApplied: money(credits),
      total: money(total),
      amountDue: money(total),
    },
  };
});
