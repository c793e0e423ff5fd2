import { sql } from 'kysely';
import { nextPeriod, periodContaining, type BillingCycle, type Period } from '@allot/domain';
import type { Db, Tx } from '@allot/db';
import type { EffectivePricing } from '../client-pricing.ts';

/**
 * What a partner's invoice to one of its organizations bills, issued or previewed:
 * - `fee`: each of the organization's periods that has begun and was not yet billed a fee, in
 *   advance, at its period fee (`invoice_line_periods`, keyed by the period, records each once);
 * - `purchase` and `top_up`: each credit sale not yet billed, at its price, by the entries that
 *   credited its block (a voided grant is not billed);
 * - `overage` (usage_based): the credits it consumed past its allowance, per credit type, at its
 *   overage price, in arrears.
 * Entries are recorded per issuer (`invoice_line_entries`), so the operator's invoice to the
 * partner and the partner's to its client each bill an overage entry once.
 */

/** The most fee periods one invoice bills (a century of months): bounds the enumeration. */
const MAX_FEE_PERIODS = 1_200;

/**
 * The periods an organization owes a fee for by now: those of its cycle that began after the
 * last period billed a fee (or when it was first priced) and no later than `currentStart`, and
 * before them any period whose fee was on an invoice since voided and is billed on no other.
 * A voided period is billed again as it was (its own start and end), whatever the cycle now.
 */
export async function feesOwed(
  db: Db | Tx,
  organizationId: string,
  cycle: BillingCycle,
  billedFrom: Date,
  currentStart: Date,
): Promise<Period[]> {
  const [last, voided] = await Promise.all([
    db
      .selectFrom('invoice_line_periods as p')
      .innerJoin('invoice_lines as l', 'l.id', 'p.line_id')
      .select((eb) => eb.fn.max('l.period_end').as('end'))
      .where('p.organization_id', '=', organizationId)
      .executeTakeFirst(),
    db
      .selectFrom('invoice_lines as l')
      .innerJoin('invoices as i', 'i.id', 'l.invoice_id')
      .select(['l.period_start', 'l.period_end'])
      .distinct()
      .where('l.organization_id', '=', organizationId)
      .where('l.kind', '=', 'fee')
      .where('i.status', '=', 'void')
      .where('l.period_start', '>=', billedFrom)
      .where('l.period_start', '<=', currentStart)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('invoice_line_periods as p')
              .select('p.line_id')
              .where('p.organization_id', '=', organizationId)
              .whereRef('p.period_start', '=', 'l.period_start'),
          ),
        ),
      )
      .orderBy('l.period_start')
      .execute(),
  ]);
  const end = last?.end ? new Date(last.end) : null;
  const from = end && end.getTime() > billedFrom.getTime() ? end : billedFrom;
  const holes = voided
    .map((row) => ({ start: new Date(row.period_start), end: new Date(row.period_end) }))
    .filter((period) => period.start.getTime() < from.getTime());
  return [...holes, ...feePeriods(cycle, from, currentStart)].slice(0, MAX_FEE_PERIODS);
}

/**
 * The periods of a cycle that begin at or after `from` and no later than `currentStart`.
 */
function feePeriods(cycle: BillingCycle, from: Date, currentStart: Date): Period[] {
  let period = periodContaining(from, cycle);
  if (period.start.getTime() < from.getTime()) period = nextPeriod(period, cycle);
  const periods: Period[] = [];
  while (period.start.getTime() <= currentStart.getTime() && periods.length < MAX_FEE_PERIODS) {
    periods.push(period);
    period = nextPeriod(period, cycle);
  }
  return periods;
}

export interface ClientBill {
  issuer: string;
  organizationId: string;
  pricing: EffectivePricing;
  /** Periods whose fee is due (already-billed ones are left out by the statement). */
  fees: Period[];
  /** Credit sales: every one not yet billed, or only this grant's (its purchase invoice). */
  purchases: 'all' | { blockId: string };
  /** Overage is billed when recorded before this instant (in arrears); null bills none. */
  overageUntil: Date | null;
  /** The period an overage line covers, as printed. */
  period: Period;
}

/**
 * The unbilled lines of one organization, as common table expressions (`numbered`: each line
 * with its kind, description, quantity, unit price and `entry_ids`): the one definition of what
 * a client invoice bills, issued or previewed.
 */
export function unbilledClientLines(bill: ClientBill) {
  const { pricing } = bill;
  const overage = bill.overageUntil !== null ? pricing.overageUnitPrice : null;
  const blockId = bill.purchases === 'all' ? null : bill.purchases.blockId;
  return sql`
    overage AS (
      SELECT e.id, e.amount, e.credit_type
      FROM entries e
      WHERE e.organization_id = ${bill.organizationId} AND ${overage}::numeric IS NOT NULL
        -- The overage leg of ledger_consume: consumed from no block.
        AND e.account_kind = 'consumption' AND e.type = 'decrement' AND e.block_id IS NULL
        AND e.created_at >= ${pricing.billedFrom} AND e.created_at < ${bill.overageUntil}
        AND NOT EXISTS (SELECT 1 FROM invoice_line_entries x
          WHERE x.issuer = ${bill.issuer} AND x.entry_id = e.id)
    ), sales AS (
      SELECT p.block_id, p.kind, p.unit_price, p.created_at, a.credit_type,
        sum(e.amount)::bigint AS quantity, count(*)::int AS entries, array_agg(e.id) AS entry_ids
      FROM client_purchases p
      JOIN blocks b ON b.id = p.block_id
      JOIN accounts a ON a.id = b.account_id
      -- The entries that credited the block: one, or one per pool block it was drawn from.
      JOIN entries e ON e.block_id = p.block_id AND e.account_id = b.account_id
        AND e.type = 'increment'
      WHERE p.organization_id = ${bill.organizationId} AND b.voided_at IS NULL
        AND (${blockId}::uuid IS NULL OR p.block_id = ${blockId}::uuid)
        AND NOT EXISTS (SELECT 1 FROM invoice_line_entries x
          WHERE x.issuer = ${bill.issuer} AND x.entry_id = e.id)
      GROUP BY p.block_id, p.kind, p.unit_price, p.created_at, a.credit_type
    ), fees AS (
      SELECT f.period_start, f.period_end
      FROM unnest(${bill.fees.map((p) => p.start)}::timestamptz[],
        ${bill.fees.map((p) => p.end)}::timestamptz[]) AS f(period_start, period_end)
      WHERE ${pricing.periodFee}::numeric IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM invoice_line_periods x
        WHERE x.organization_id = ${bill.organizationId} AND x.period_start = f.period_start)
    ), groups AS (
      SELECT 'fee' AS kind, NULL::text AS credit_type, period_start, period_end, 1::bigint AS quantity,
        ${pricing.periodFee}::numeric AS unit_price, 0 AS entries, '{}'::bigint[] AS entry_ids
      FROM fees
      UNION ALL
      SELECT kind, credit_type, created_at, created_at, quantity, unit_price, entries, entry_ids
      FROM sales
      UNION ALL
      SELECT 'overage', credit_type, ${bill.period.start}::timestamptz,
        ${bill.overageUntil}::timestamptz, sum(amount)::bigint, ${overage}::numeric,
        count(*)::int, array_agg(id)
      FROM overage GROUP BY credit_type HAVING sum(amount) <> 0
    ), numbered AS MATERIALIZED (
      SELECT g.*, uuidv7() AS id,
        row_number() OVER (ORDER BY
          CASE g.kind WHEN 'fee' THEN 0 WHEN 'overage' THEN 2 ELSE 1 END, g.period_start,
          g.credit_type) AS position,
        CASE g.kind
          WHEN 'fee' THEN format('Service fee, %s to %s',
            to_char(g.period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
            to_char(g.period_end AT TIME ZONE 'UTC', 'YYYY-MM-DD'))
          WHEN 'purchase' THEN format('%s credits purchased', t.name)
          WHEN 'top_up' THEN format('Auto top-up: %s credits', t.name)
          ELSE format('Overage: %s credits past the allowance, %s to %s', t.name,
            to_char(g.period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
            to_char(g.period_end AT TIME ZONE 'UTC', 'YYYY-MM-DD')) END AS description
      FROM groups g LEFT JOIN credit_types t ON t.key = g.credit_type
    )`;
}
