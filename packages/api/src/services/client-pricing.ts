import type { ClientPricingTable, Db, Tx } from '@allot/db';
import type { Selectable } from 'kysely';
import {
  DEFAULT_PAYMENT_TERMS_DAYS,
  type ClientPricing,
  type Currency,
  type SetClientPricingInput,
  type SetOrganizationPricingInput,
} from '@allot/domain';
import { newId } from '../ids.ts';
import { requireOrganization } from './organization-access.ts';

/**
 * What a partner charges its organizations: a default, and an override per organization whose
 * null fields inherit it. Invoices copy the prices they bill at issue, so a change applies to
 * what is billed after it. Prices are `numeric`, answered with the digits they were set with.
 */

type PricingRow = Selectable<ClientPricingTable>;

/** The prices an organization is billed at: its override over the partner's default. */
export interface EffectivePricing {
  currency: Currency;
  periodFee: string | null;
  overageUnitPrice: string | null;
  creditUnitPrice: string | null;
  paymentTermsDays: ClientPricing['paymentTermsDays'];
  taxRate: string;
  /** The first time either was set: no period that began before it is billed a fee. */
  billedFrom: Date;
}

/**
 * The override over the default, field by field. An override in another currency inherits no
 * price (a price is in its currency): what it leaves out is not billed.
 */
export function effectivePricing(
  fallback: PricingRow | undefined,
  override: PricingRow | undefined,
): EffectivePricing | null {
  const currency = override?.currency ?? fallback?.currency ?? null;
  if (currency === null) return null;
  const base = fallback && fallback.currency === currency ? fallback : undefined;
  const price = (pick: (row: PricingRow) => string | null) =>
    (override && pick(override)) ?? (base && pick(base)) ?? null;
  const starts = [fallback?.billed_from, override?.billed_from].filter((d) => d !== undefined);
  return {
    currency: currency as Currency,
    periodFee: price((row) => row.period_fee),
    overageUnitPrice: price((row) => row.overage_unit_price),
    creditUnitPrice: price((row) => row.credit_unit_price),
    paymentTermsDays: (override?.payment_terms_days ??
      fallback?.payment_terms_days ??
      DEFAULT_PAYMENT_TERMS_DAYS) as ClientPricing['paymentTermsDays'],
    taxRate: override?.tax_rate ?? fallback?.tax_rate ?? '0',
    billedFrom: new Date(Math.min(...starts.map((d) => d.getTime()))),
  };
}

async function rowsOf(db: Db | Tx, partnerId: string, organizationId: string) {
  const rows = await db
    .selectFrom('client_pricing')
    .selectAll()
    .where('partner_id', '=', partnerId)
    .where((eb) =>
      eb.or([eb('organization_id', 'is', null), eb('organization_id', '=', organizationId)]),
    )
    .execute();
  return {
    fallback: rows.find((row) => row.organization_id === null),
    override: rows.find((row) => row.organization_id !== null),
  };
}

/** The prices an organization is billed at; null when neither it nor its partner has any. */
export async function clientPricingOf(db: Db | Tx, partnerId: string, organizationId: string) {
  const { fallback, override } = await rowsOf(db, partnerId, organizationId);
  return effectivePricing(fallback, override);
}

function toPricing(row: PricingRow): ClientPricing {
  return {
    currency: row.currency as Currency,
    periodFee: row.period_fee,
    overageUnitPrice: row.overage_unit_price,
    creditUnitPrice: row.credit_unit_price,
    paymentTermsDays: row.payment_terms_days as ClientPricing['paymentTermsDays'],
    taxRate: row.tax_rate ?? '0',
    updatedAt: row.updated_at.toISOString(),
  };
}

/** `GET /partner/pricing`: the partner's default prices for its organizations. */
export async function getClientPricing(db: Db | Tx, partnerId: string) {
  const row = await db
    .selectFrom('client_pricing')
    .selectAll()
    .where('partner_id', '=', partnerId)
    .where('organization_id', 'is', null)
    .executeTakeFirst();
  return { pricing: row ? toPricing(row) : null };
}

/** `PUT /partner/pricing`, whole: a price left out is not billed. */
export async function setClientPricing(
  trx: Tx,
  partnerId: string,
  input: SetClientPricingInput,
  now: Date,
) {
  const values = {
    currency: input.currency,
    period_fee: input.periodFee ?? null,
    overage_unit_price: input.overageUnitPrice ?? null,
    credit_unit_price: input.creditUnitPrice ?? null,
    payment_terms_days: input.paymentTermsDays,
    tax_rate: input.taxRate,
    updated_at: now,
  };
  const row = await trx
    .insertInto('client_pricing')
    .values({
      id: newId(),
      partner_id: partnerId,
      organization_id: null,
      billed_from: now,
      ...values,
    })
    .onConflict((oc) =>
      oc.column('partner_id').where('organization_id', 'is', null).doUpdateSet(values),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return { pricing: toPricing(row) };
}

function organizationPricing(fallback: PricingRow | undefined, override: PricingRow | undefined) {
  const pricing = effectivePricing(fallback, override);
  return {
    override: override
      ? {
          currency: (override.currency as Currency | null) ?? null,
          periodFee: override.period_fee,
          overageUnitPrice: override.overage_unit_price,
          creditUnitPrice: override.credit_unit_price,
          paymentTermsDays: override.payment_terms_days as ClientPricing['paymentTermsDays'] | null,
          taxRate: override.tax_rate,
          updatedAt: override.updated_at.toISOString(),
        }
      : null,
    pricing: pricing && {
      currency: pricing.currency,
      periodFee: pricing.periodFee,
      overageUnitPrice: pricing.overageUnitPrice,
      creditUnitPrice: pricing.creditUnitPrice,
      paymentTermsDays: pricing.paymentTermsDays,
      taxRate: pricing.taxRate,
    },
  };
}

/** `GET /partner/organizations/{id}/pricing`: its override and what it is billed at. */
export async function getOrganizationPricing(
  db: Db | Tx,
  partnerId: string,
  organizationId: string,
) {
  await requireOrganization(db, partnerId, organizationId);
  const { fallback, override } = await rowsOf(db, partnerId, organizationId);
  return organizationPricing(fallback, override);
}

/** `PUT /partner/organizations/{id}/pricing`, whole: each null field inherits the default. */
export async function setOrganizationPricing(
  trx: Tx,
  partnerId: string,
  input: SetOrganizationPricingInput,
  now: Date,
) {
  await requireOrganization(trx, partnerId, input.organizationId);
  const values = {
    currency: input.currency ?? null,
    period_fee: input.periodFee ?? null,
    overage_unit_price: input.overageUnitPrice ?? null,
    credit_unit_price: input.creditUnitPrice ?? null,
    payment_terms_days: input.paymentTermsDays ?? null,
    tax_rate: input.taxRate ?? null,
    updated_at: now,
  };
  await trx
    .insertInto('client_pricing')
    .values({
      id: newId(),
      partner_id: partnerId,
      organization_id: input.organizationId,
      billed_from: now,
      ...values,
    })
    .onConflict((oc) =>
      oc.column('organization_id').where('organization_id', 'is not', null).doUpdateSet(values),
    )
    .execute();
  const { fallback, override } = await rowsOf(trx, partnerId, input.organizationId);
  return organizationPricing(fallback, override);
}
