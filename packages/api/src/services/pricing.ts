import type { Db, PartnerPricingTable, Tx } from '@allot/db';
import type { Selectable } from 'kysely';
import type { Currency, PartnerPricing, SetPartnerPricingInput } from '@allot/domain';
import { notFound } from '../errors.ts';
import { requirePartner } from './partners.ts';

type PricingRow = Selectable<PartnerPricingTable>;

/** Prices are answered as they were set: `numeric` keeps their digits ("0.10" stays "0.10"). */
function toPricing(row: PricingRow): PartnerPricing {
  return {
    currency: row.currency as Currency,
    poolUnitPrice: row.pool_unit_price,
    usageUnitPrice: row.usage_unit_price,
    overageUnitPrice: row.overage_unit_price,
    paymentTermsDays: row.payment_terms_days as PartnerPricing['paymentTermsDays'],
    taxRate: row.tax_rate,
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Where billing starts for a partner priced now: its current period, pool included. */
async function currentPeriodStart(trx: Tx, partnerId: string) {
  const partner = await trx
    .selectFrom('partners')
    .select('pool_period_start')
    .where('id', '=', partnerId)
    .executeTakeFirst();
  if (!partner) throw notFound('Partner');
  return partner.pool_period_start;
}

/** A partner's pricing; null when it has none (it is billed nothing). */
export async function getPartnerPricing(db: Db | Tx, partnerId: string) {
  await requirePartner(db, partnerId);
  const row = await db
    .selectFrom('partner_pricing')
    .selectAll()
    .where('partner_id', '=', partnerId)
    .executeTakeFirst();
  return { pricing: row ? toPricing(row) : null };
}

/**
 * Sets a partner's pricing whole (a price left out is not billed). Invoices copy the prices
 * they bill at issue, so a change applies to what is billed after it. A partner priced for the
 * first time is billed from the start of its current period: its pool and consumption of this
 * period, nothing older.
 */
export async function setPartnerPricing(trx: Tx, input: SetPartnerPricingInput, now: Date) {
  const billedFrom = await currentPeriodStart(trx, input.partnerId);
  const values = {
    currency: input.currency,
    pool_unit_price: input.poolUnitPrice ?? null,
    usage_unit_price: input.usageUnitPrice ?? null,
    overage_unit_price: input.overageUnitPrice ?? null,
    payment_terms_days: input.paymentTermsDays,
    tax_rate: input.taxRate,
    updated_at: now,
  };
  const row = await trx
    .insertInto('partner_pricing')
    .values({ partner_id: input.partnerId, billed_from: billedFrom, ...values })
    .onConflict((oc) => oc.column('partner_id').doUpdateSet(values))
    .returningAll()
    .executeTakeFirstOrThrow();
  return { pricing: toPricing(row) };
}
