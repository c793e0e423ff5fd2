import { sql, type Selectable } from 'kysely';
import type { Db, PartnerPricingTable, PartnerRow, Tx } from '@allot/db';
import { DEFAULT_CREDIT_TYPE, drawsFromPool, type Currency, type Period } from '@allot/domain';
import { decimal, roundToMinor } from '../money.ts';

/**
 * What an invoice bills, issued or previewed: the prices of a partner's billing mode, the
 * unbilled ledger entries grouped into lines, and the lines' amounts.
 */

/** The unit price of each line kind; null: the kind is not billed. */
export interface Prices {
  pool: string | null;
  usage: string | null;
  overage: string | null;
}

/**
 * What a partner's billing mode bills, at its prices: `credit_pool` its pool, `usage_based` its
 * organizations' consumption with overage apart, `external` their consumption.
 */
export function pricesFor(partner: PartnerRow, pricing: Selectable<PartnerPricingTable>): Prices {
  const pooled = drawsFromPool(partner.billing_mode);
  return {
    pool: pooled ? pricing.pool_unit_price : null,
    usage: pooled ? null : pricing.usage_unit_price,
    overage:
      partner.billing_mode === 'usage_based'
        ? (pricing.overage_unit_price ?? pricing.usage_unit_price)
        : null,
  };
}

/** Each line's amount (quantity × unit price, half-even to the minor unit), the subtotal, the tax. */
export function priceLines(
  lines: readonly { quantity: number; unit_price: string }[],
  currency: Currency,
  taxRate: string,
) {
  const amounts = lines.map((line) =>
    roundToMinor(decimal(line.quantity).mul(decimal(line.unit_price)), currency),
  );
  const subtotal = amounts.reduce((sum, amount) => sum.plus(amount), decimal(0));
  const tax = roundToMinor(subtotal.mul(decimal(taxRate)), currency);
  return { amounts, subtotal, tax };
}

/** A partner's prices, if it has any. */
export const pricingOf = (db: Db | Tx, partnerId: string) =>
  db
    .selectFrom('partner_pricing')
    .selectAll()
    .where('partner_id', '=', partnerId)
    .executeTakeFirst();

/**
 * The unbilled entries grouped into numbered lines, as common table expressions (`candidates`,
 * the entries; `numbered`, the lines with their description, unit price and `entry_ids`): the
 * one definition of what an invoice bills, issued or previewed.
 */
export function unbilledLines(
  partnerId: string,
  billedFrom: Date,
  prices: Prices,
  options: { until: Date; period: Period },
  now: Date,
  /** A pool period billed in advance whose credits are not on the books yet (a preview's). */
  projectedPool: { period: Period; credits: number } | null = null,
) {
  const projected =
    projectedPool && prices.pool !== null && projectedPool.credits > 0
      ? sql`UNION ALL SELECT 'pool', NULL::uuid, ${projectedPool.period.start}::timestamptz,
          ${projectedPool.period.end}::timestamptz, ${projectedPool.credits}::bigint, 0,
          '{}'::bigint[]`
      : sql``;
  return sql`
    candidates AS (
      SELECT e.id, e.amount, e.organization_id,
        CASE WHEN e.account_kind = 'pool' THEN 'pool'
             -- The overage leg of ledger_consume: consumed from no block (issued as overage).
             WHEN e.type = 'decrement' AND e.block_id IS NULL
               AND ${prices.overage}::numeric IS NOT NULL THEN 'overage'
             ELSE 'usage' END AS kind,
        CASE WHEN e.account_kind = 'pool' THEN b.effective_at ELSE ${options.period.start}::timestamptz END
          AS period_start,
        CASE WHEN e.account_kind = 'pool' THEN b.expires_at ELSE ${options.until}::timestamptz END
          AS period_end
      FROM entries e
      LEFT JOIN blocks b ON b.id = e.block_id
      WHERE e.partner_id = ${partnerId} AND e.credit_type = ${DEFAULT_CREDIT_TYPE}
        AND e.created_at >= ${billedFrom}
        AND (
          -- Credits issued into the pool (renewal, a raise): positive on the pool account.
          (${prices.pool}::numeric IS NOT NULL AND e.account_kind = 'pool'
            AND e.type IN ('renewal', 'amendment') AND e.amount > 0 AND e.created_at <= ${now})
          -- Consumption, net of amendments, as the consumption sink received it.
          OR (${prices.usage}::numeric IS NOT NULL AND e.account_kind = 'consumption'
            AND e.type IN ('decrement', 'amendment') AND e.created_at < ${options.until})
        )
        AND NOT EXISTS (SELECT 1 FROM invoice_line_entries x
          WHERE x.issuer = 'operator' AND x.entry_id = e.id)
    ), groups AS (
      SELECT kind, organization_id, period_start, period_end,
        sum(amount)::bigint AS quantity, count(*)::int AS entries, array_agg(id) AS entry_ids
      FROM candidates
      GROUP BY kind, organization_id, period_start, period_end
      HAVING sum(amount) <> 0
      ${projected}
    ), numbered AS MATERIALIZED (
      SELECT g.*, uuidv7() AS id,
        row_number() OVER (ORDER BY g.kind <> 'pool', g.period_start, o.name, g.organization_id,
          g.kind DESC) AS position,
        CASE g.kind
          WHEN 'pool' THEN format('Credit pool, %s to %s',
            to_char(g.period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
            to_char(g.period_end AT TIME ZONE 'UTC', 'YYYY-MM-DD'))
          WHEN 'overage' THEN format('Overage identifications: %s', o.name)
          ELSE format('Identifications: %s', o.name) END AS description,
        CASE g.kind WHEN 'pool' THEN ${prices.pool}::numeric
          WHEN 'overage' THEN ${prices.overage}::numeric ELSE ${prices.usage}::numeric END
          AS unit_price
      FROM groups g LEFT JOIN organizations o ON o.id = g.organization_id
    )`;
}
