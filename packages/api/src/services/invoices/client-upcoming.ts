import { sql } from 'kysely';
import type { Db, Tx } from '@allot/db';
import { nextPeriod, type UpcomingInvoice } from '@allot/domain';
import { notFound } from '../../errors.ts';
import { clientPricingOf } from '../client-pricing.ts';
import { cycleOf } from '../ledger/renewal.ts';
import { renewsFirst } from '../renew-on-read.ts';
import { organizationCustomerOf } from './client-issue.ts';
import { feesOwed, unbilledClientLines } from './client-lines.ts';
import { draftInvoice, type DraftLine } from './draft.ts';
import { partnerIssuer } from './numbering.ts';

/**
 * An organization's upcoming invoice, as its next period boundary will issue it: the fees not
 * yet billed and the next period's fee in advance, any credit sale not yet billed, the overage
 * so far (usage_based), with the monetary credits available now that it would apply. Read only:
 * no lock, no number, nothing recorded. Null for an organization that is not priced.
 */
export const upcomingClientInvoice = renewsFirst(async function upcomingClientInvoice(
  db: Db | Tx,
  partnerId: string,
  organizationId: string,
  now: Date,
): Promise<{ invoice: UpcomingInvoice | null }> {
  const [organization, partner] = await Promise.all([
    db
      .selectFrom('organizations')
      .selectAll()
      .where('id', '=', organizationId)
      .where('partner_id', '=', partnerId)
      .executeTakeFirst(),
    db.selectFrom('partners').select('billing_mode').where('id', '=', partnerId).executeTakeFirst(),
  ]);
  if (!organization || !partner) throw notFound('Organization');
  const pricing = await clientPricingOf(db, partnerId, organizationId);
  if (!pricing) return { invoice: null };
  const { currency } = pricing;
  const cycle = cycleOf(organization);
  const period = { start: organization.period_start, end: organization.period_end };
  const next = nextPeriod(period, cycle);
  const fees =
    pricing.periodFee === null
      ? []
      : await feesOwed(db, organizationId, cycle, pricing.billedFrom, next.start);
  const { rows: lines } = await sql<DraftLine>`
    WITH ${unbilledClientLines({
      issuer: partnerIssuer(partnerId),
      organizationId,
      pricing,
      fees,
      purchases: 'all',
      overageUntil: partner.billing_mode === 'usage_based' ? new Date(now.getTime() + 1) : null,
      period,
    })}
    SELECT kind, ${organizationId}::uuid AS organization_id, description, quantity, unit_price,
      period_start, period_end, entries
    FROM numbered ORDER BY position`.execute(db);
  return {
    invoice: await draftInvoice(
      db,
      {
        holder: { partnerId, organizationId },
        customer: await organizationCustomerOf(db, organization),
        currency,
        taxRate: pricing.taxRate,
        period: next,
        issuesAt: period.end,
        lines,
      },
      now,
    ),
  };
});
