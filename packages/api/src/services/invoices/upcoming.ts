import { sql } from 'kysely';
import type { Db, Tx } from '@allot/db';
import { drawsFromPool, nextPeriod, type Currency, type UpcomingInvoice } from '@allot/domain';
import { cycleOf } from '../ledger/renewal.ts';
import { readPartner } from '../partners.ts';
import { renewsFirst } from '../renew-on-read.ts';
import { draftInvoice, type DraftLine } from './draft.ts';
import { customerOf } from './issue.ts';
import { pricesFor, pricingOf, unbilledLines } from './lines.ts';

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
  const { rows: lines } = await sql<DraftLine>`
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
  return {
    invoice: await draftInvoice(
      db,
      {
        holder: { partnerId, organizationId: null },
        customer: await customerOf(db, partnerId, partner.name),
        currency,
        taxRate: pricing.tax_rate,
        period,
        issuesAt: period.end,
        lines,
      },
      now,
    ),
  };
});
