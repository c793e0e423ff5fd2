import { sql, type RawBuilder } from 'kysely';
import type { Db, Tx } from '@allot/db';
import {
  CREDIT_REPORT_COLUMNS,
  resolveReportSpan,
  type CreditReport,
  type CreditReportInput,
  type CreditReportRow,
  type Currency,
  type ProductType,
  type ReportSpan,
  type Tier,
} from '@allot/domain';
import { orRefuse } from '../errors.ts';
import { csvRow } from './csv.ts';
import { spendableRemaining } from './ledger/blocks.ts';
import { decimal, formatAmount, type Amount } from './money.ts';
import { requireOrganization } from './organization-access.ts';
import { renewsFirst } from './renew-on-read.ts';
import { expireDueCredits } from './upkeep.ts';

/**
 * The partner's credit report (seeds 003 and 004). Each organization account's entries are
 * summed by type over the range, and every entry type that touches the account lands in exactly
 * one figure (grants by the kind of block they credited; consumption and amendments; overage;
 * expiry; voids; reclaims; applications and their reinstatements, by the invoice's status), so
 * the figures add up to the balance by construction. Lapsed credits are written down first,
 * as `GET /partner/billing/usage` does, so what expired by now is on the books.
 */

interface Scope {
  partnerId: string;
  organizationId: string | undefined;
  creditType: string | undefined;
  span: ReportSpan;
}

/** Only the scope's organization accounts (`e` an alias with organization_id and credit_type). */
const scoped = (alias: string, scope: Scope) => sql`
  ${sql.ref(`${alias}.partner_id`)} = ${scope.partnerId}
  AND (${scope.organizationId ?? null}::uuid IS NULL
    OR ${sql.ref(`${alias}.organization_id`)} = ${scope.organizationId ?? null}::uuid)
  AND (${scope.creditType ?? null}::text IS NULL
    OR ${sql.ref(`${alias}.credit_type`)} = ${scope.creditType ?? null}::text)`;

/** `column` within the span. */
const inSpan = (column: RawBuilder<unknown>, span: ReportSpan) =>
  sql`(${span.from}::timestamptz IS NULL OR ${column} >= ${span.from}::timestamptz)
    AND ${column} < ${span.until}::timestamptz`;

const issuerOf = (partnerId: string) => `partner:${partnerId}`;

interface FlowRow {
  organization_id: string;
  organization_name: string;
  tier: Tier;
  product_type: ProductType;
  credit_type: string;
  currency: Currency | null;
  opening: number;
  allocated: number;
  purchased: number;
  promotional: number;
  compensation: number;
  top_up: number;
  granted: number;
  consumed: number;
  overage: number;
  expired: number;
  voided: number;
  reclaimed: number;
  applied: number;
  pending: number;
  balance: number;
  available: number;
}

/** Every organization account in the scope, with its entries summed by figure. */
async function readFlows(db: Db | Tx, scope: Scope, now: Date): Promise<FlowRow[]> {
  const { span } = scope;
  const e = sql.ref('e.created_at');
  const during = inSpan(e, span);
  const credit = (kinds: readonly string[]) => sql`coalesce(sum(e.amount) FILTER (WHERE ${during}
    AND e.type IN ('allocation', 'renewal', 'increment') AND b.kind IN (${sql.join(kinds)})), 0)::bigint`;
  const moved = (types: readonly string[]) => sql`coalesce(sum(e.amount) FILTER (WHERE ${during}
    AND e.type IN (${sql.join(types)})), 0)::bigint`;
  // Credits that left the account, as a positive count.
  const out = (types: readonly string[]) => sql`(0 - ${moved(types)})`;
  const { rows } = await sql<FlowRow>`
    WITH accounts_in AS (
      SELECT a.id, a.organization_id, a.credit_type, o.name AS organization_name, o.tier,
        o.product_type, t.currency
      FROM accounts a
      JOIN organizations o ON o.id = a.organization_id
      JOIN credit_types t ON t.key = a.credit_type
      WHERE ${scoped('a', scope)} AND a.kind = 'organization' AND a.created_at < ${span.until}
    ), flows AS (
      SELECT e.account_id,
        coalesce(sum(e.amount) FILTER (WHERE ${span.from}::timestamptz IS NOT NULL
          AND e.created_at < ${span.from}::timestamptz), 0)::bigint AS opening,
        ${credit(['allocation', 'renewal'])} AS allocated,
        ${credit(['purchased'])} AS purchased,
        ${credit(['promotional'])} AS promotional,
        ${credit(['compensation'])} AS compensation,
        ${credit(['top_up'])} AS top_up,
        ${moved(['allocation', 'renewal', 'increment'])} AS granted,
        ${out(['decrement', 'amendment'])} AS consumed,
        ${moved(['overage'])} AS overage,
        ${out(['expiration'])} AS expired,
        ${out(['void'])} AS voided,
        ${out(['reclaim'])} AS reclaimed,
        (0 - coalesce(sum(e.amount) FILTER (WHERE ${during} AND e.type = 'application'
          AND i.status = 'paid'), 0))::bigint AS applied,
        -- Applications to invoices not paid, net of what their voids gave back.
        (0 - coalesce(sum(e.amount) FILTER (WHERE ${during}
          AND e.type IN ('application', 'reinstatement')
          AND i.status IS DISTINCT FROM 'paid'), 0))::bigint AS pending,
        coalesce(sum(e.amount), 0)::bigint AS balance
      FROM entries e
      JOIN accounts_in a ON a.id = e.account_id
      LEFT JOIN blocks b ON b.id = e.block_id
      -- An application's or a reinstatement's invoice, by the reference it was posted with.
      LEFT JOIN invoices i ON e.type IN ('application', 'reinstatement')
        AND i.issuer = ${issuerOf(scope.partnerId)} AND i.organization_id = a.organization_id
        AND e.reference = 'invoice:' || i.number
      WHERE e.created_at < ${span.until}
      GROUP BY e.account_id
    )
    SELECT a.organization_id, a.organization_name, a.tier, a.product_type, a.credit_type,
      a.currency, coalesce(f.opening, 0)::bigint AS opening,
      coalesce(f.allocated, 0)::bigint AS allocated, coalesce(f.purchased, 0)::bigint AS purchased,
      coalesce(f.promotional, 0)::bigint AS promotional,
      coalesce(f.compensation, 0)::bigint AS compensation, coalesce(f.top_up, 0)::bigint AS top_up,
      coalesce(f.granted, 0)::bigint AS granted, coalesce(f.consumed, 0)::bigint AS consumed,
      coalesce(f.overage, 0)::bigint AS overage, coalesce(f.expired, 0)::bigint AS expired,
      coalesce(f.voided, 0)::bigint AS voided, coalesce(f.reclaimed, 0)::bigint AS reclaimed,
      coalesce(f.applied, 0)::bigint AS applied, coalesce(f.pending, 0)::bigint AS pending,
      coalesce(f.balance, 0)::bigint AS balance,
      ${spendableRemaining(sql.ref('a.id'), now)} AS available
    FROM accounts_in a LEFT JOIN flows f ON f.account_id = a.id
    ORDER BY a.organization_name, a.organization_id, a.credit_type`.execute(db);
  return rows;
}

interface MoneyRow {
  organization_id: string;
  credit_type: string;
  currency: Currency;
  amount: string;
}

/**
 * Purchase and top-up lines of the non-void invoices issued in the range to the scope's
 * organizations; a line's credit type is its entries' (a sale bills one block's credits).
 */
async function readRevenue(db: Db | Tx, scope: Scope): Promise<MoneyRow[]> {
  const { rows } = await sql<MoneyRow>`
    SELECT s.organization_id, s.credit_type, s.currency, sum(s.amount)::text AS amount
    FROM (
      SELECT i.organization_id, i.currency, l.amount,
        (SELECT e.credit_type FROM invoice_line_entries x JOIN entries e ON e.id = x.entry_id
          WHERE x.line_id = l.id LIMIT 1) AS credit_type, i.partner_id
      FROM invoice_lines l
      JOIN invoices i ON i.id = l.invoice_id
      WHERE i.issuer = ${issuerOf(scope.partnerId)} AND i.status <> 'void'
        AND l.kind IN ('purchase', 'top_up') AND ${inSpan(sql.ref('i.issued_at'), scope.span)}
    ) s
    WHERE ${scoped('s', scope)}
    GROUP BY s.organization_id, s.credit_type, s.currency`.execute(db);
  return rows;
}

interface TopUpRow {
  organization_id: string;
  credit_type: string;
  count: number;
  credits: number;
  currency: Currency | null;
  amount: string | null;
}

/**
 * Auto top-ups applied in the range, with what the invoice lines (non-void) that billed their
 * blocks charged. The amounts are summed in one currency per organization and credit type (its
 * invoices' currency), which holds while its pricing currency does not change.
 */
async function readTopUps(db: Db | Tx, scope: Scope): Promise<TopUpRow[]> {
  const { rows } = await sql<TopUpRow>`
    WITH applied AS (
      SELECT t.organization_id, t.credit_type, t.grant_id, t.amount, t.partner_id
      FROM auto_top_ups t
      WHERE ${scoped('t', scope)} AND t.status = 'applied'
        AND ${inSpan(sql.ref('t.processed_at'), scope.span)}
    ), billed AS (
      SELECT DISTINCT a.grant_id, l.id, l.amount, i.currency
      FROM applied a
      JOIN entries e ON e.block_id = a.grant_id AND e.type = 'increment'
        AND e.account_kind = 'organization'
      JOIN invoice_line_entries x ON x.entry_id = e.id AND x.issuer = ${issuerOf(scope.partnerId)}
      JOIN invoice_lines l ON l.id = x.line_id AND l.kind = 'top_up'
      JOIN invoices i ON i.id = l.invoice_id AND i.status <> 'void'
    ), money AS (
      SELECT grant_id, min(currency) AS currency, sum(amount) AS amount
      FROM billed GROUP BY grant_id
    )
    SELECT a.organization_id, a.credit_type, count(*)::int AS count,
      sum(a.amount)::bigint AS credits, min(m.currency) AS currency,
      sum(m.amount)::text AS amount
    FROM applied a LEFT JOIN money m ON m.grant_id = a.grant_id
    GROUP BY a.organization_id, a.credit_type`.execute(db);
  return rows;
}

/** How the report groups consumption for a median: rows, segments, totals. */
const LEVELS = {
  row: sql`e.organization_id || '/' || e.credit_type`,
  segment: sql`o.tier || '/' || o.product_type || '/' || e.credit_type`,
  total: sql`e.credit_type`,
};

/**
 * The median, weighted by credits, of the time from a block's effective_at to each consumption
 * that drew from it (entries carry their block), in days with 2 digits, per group. The credits
 * are laid out by lifetime; the median is the middle one (the mean of the middle two for an
 * even count), found from the running sum without expanding them.
 */
async function medianLifetimes(
  db: Db | Tx,
  scope: Scope,
  level: keyof typeof LEVELS,
): Promise<Map<string, string>> {
  const { rows } = await sql<{ key: string; days: string }>`
    WITH burns AS (
      SELECT ${LEVELS[level]} AS key, -e.amount AS credits,
        extract(epoch FROM e.created_at - b.effective_at) AS seconds
      FROM entries e
      JOIN blocks b ON b.id = e.block_id
      JOIN organizations o ON o.id = e.organization_id
      WHERE ${scoped('e', scope)} AND e.account_kind = 'organization' AND e.type = 'decrement'
        AND ${inSpan(sql.ref('e.created_at'), scope.span)}
    ), laid AS (
      SELECT key, seconds,
        sum(credits) OVER (PARTITION BY key ORDER BY seconds
          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS through,
        sum(credits) OVER (PARTITION BY key) AS total
      FROM burns
    )
    SELECT key, round(((min(seconds) FILTER (WHERE through >= ceil(total / 2.0)))
      + (min(seconds) FILTER (WHERE through >= floor(total / 2) + 1))) / 2 / 86400, 2)::text AS days
    FROM laid GROUP BY key`.execute(db);
  return new Map(rows.map((row) => [row.key, row.days]));
}

/** Purchase revenue per currency, summed exactly. */
type Revenue = Map<Currency, Amount>;

function addRevenue(into: Revenue, currency: Currency, amount: Amount) {
  into.set(currency, (into.get(currency) ?? decimal(0)).plus(amount));
}

/** The report's money fields from revenue per currency: one figure only for one currency. */
function revenueFields(revenue: Revenue) {
  const byCurrency = [...revenue.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, amount]) => ({ currency, amount: formatAmount(amount, currency) }));
  const [only] = byCurrency;
  return {
    purchaseRevenue: byCurrency.length === 1 && only ? only.amount : null,
    revenueCurrency: byCurrency.length === 1 && only ? only.currency : null,
    revenueByCurrency: byCurrency,
  };
}

/** What rows, segments and totals sum, before their ratios are taken. */
interface Sums {
  currency: Currency | null;
  openingBalance: number;
  granted: {
    allocated: number;
    purchased: number;
    promotional: number;
    compensation: number;
    topUp: number;
    total: number;
  };
  consumed: number;
  overage: number;
  expired: number;
  voided: number;
  reclaimed: number;
  applied: number;
  pending: number;
  available: number;
  balance: number;
  topUps: { count: number; credits: number; amounts: Revenue };
  revenue: Revenue;
}

const COUNTS = [
  'openingBalance',
  'consumed',
  'overage',
  'expired',
  'voided',
  'reclaimed',
  'applied',
  'pending',
  'available',
  'balance',
] as const;
const GRANT_FIGURES = [
  'allocated',
  'purchased',
  'promotional',
  'compensation',
  'topUp',
  'total',
] as const;

function emptySums(currency: Currency | null): Sums {
  return {
    currency,
    openingBalance: 0,
    granted: { allocated: 0, purchased: 0, promotional: 0, compensation: 0, topUp: 0, total: 0 },
    consumed: 0,
    overage: 0,
    expired: 0,
    voided: 0,
    reclaimed: 0,
    applied: 0,
    pending: 0,
    available: 0,
    balance: 0,
    topUps: { count: 0, credits: 0, amounts: new Map() },
    revenue: new Map(),
  };
}

function addSums(into: Sums, from: Sums) {
  for (const figure of COUNTS) into[figure] += from[figure];
  for (const figure of GRANT_FIGURES) into.granted[figure] += from.granted[figure];
  into.topUps.count += from.topUps.count;
  into.topUps.credits += from.topUps.credits;
  for (const [currency, amount] of from.topUps.amounts)
    addRevenue(into.topUps.amounts, currency, amount);
  for (const [currency, amount] of from.revenue) addRevenue(into.revenue, currency, amount);
}

/** The published figures of some sums, with their median lifetime. */
function figuresOf(sums: Sums, medianLifetimeDays: string | null) {
  const { topUps, revenue, ...counts } = sums;
  const topUpMoney = revenueFields(topUps.amounts);
  return {
    ...counts,
    granted: { ...counts.granted },
    expirationRate:
      sums.granted.total > 0 ? decimal(sums.expired).div(sums.granted.total).toFixed(4) : null,
    medianLifetimeDays,
    topUps: {
      count: topUps.count,
      credits: topUps.credits,
      amount: topUpMoney.purchaseRevenue,
      currency: topUpMoney.revenueCurrency,
    },
    ...revenueFields(revenue),
  };
}

const rowKey = (organizationId: string, creditType: string) => `${organizationId}/${creditType}`;

/** `GET /partner/reports/credits`: per organization and credit type, over the range. */
export const creditReport = renewsFirst(async function creditReport(
  db: Db | Tx,
  partnerId: string,
  input: CreditReportInput,
  now: Date,
): Promise<CreditReport> {
  const span = orRefuse(resolveReportSpan(input, now));
  if (input.organizationId) await requireOrganization(db, partnerId, input.organizationId);
  await expireDueCredits(db, now, { partnerId });
  const scope: Scope = {
    partnerId,
    organizationId: input.organizationId,
    creditType: input.creditType,
    span,
  };
  const [flows, revenue, topUps, rowMedians, segmentMedians, totalMedians] = await Promise.all([
    readFlows(db, scope, now),
    readRevenue(db, scope),
    readTopUps(db, scope),
    medianLifetimes(db, scope, 'row'),
    medianLifetimes(db, scope, 'segment'),
    medianLifetimes(db, scope, 'total'),
  ]);

  const sums = new Map<string, Sums>();
  for (const flow of flows) {
    sums.set(rowKey(flow.organization_id, flow.credit_type), {
      ...emptySums(flow.currency),
      openingBalance: flow.opening,
      granted: {
        allocated: flow.allocated,
        purchased: flow.purchased,
        promotional: flow.promotional,
        compensation: flow.compensation,
        topUp: flow.top_up,
        total: flow.granted,
      },
      consumed: flow.consumed,
      overage: flow.overage,
      expired: flow.expired,
      voided: flow.voided,
      reclaimed: flow.reclaimed,
      applied: flow.applied,
      pending: flow.pending,
      available: flow.available,
      balance: flow.balance,
    });
  }
  for (const line of revenue) {
    const row = sums.get(rowKey(line.organization_id, line.credit_type));
    if (row) addRevenue(row.revenue, line.currency, decimal(line.amount));
  }
  for (const topUp of topUps) {
    const row = sums.get(rowKey(topUp.organization_id, topUp.credit_type));
    if (!row) continue;
    row.topUps.count += topUp.count;
    row.topUps.credits += topUp.credits;
    if (topUp.currency !== null && topUp.amount !== null)
      addRevenue(row.topUps.amounts, topUp.currency, decimal(topUp.amount));
  }

  const rows: CreditReportRow[] = [];
  const segments = new Map<string, { sums: Sums; row: CreditReportRow; organizations: number }>();
  const totals = new Map<string, { sums: Sums; organizations: number }>();
  for (const flow of flows) {
    const key = rowKey(flow.organization_id, flow.credit_type);
    const row = sums.get(key) ?? emptySums(flow.currency);
    const published = {
      organizationId: flow.organization_id,
      organizationName: flow.organization_name,
      tier: flow.tier,
      productType: flow.product_type,
      creditType: flow.credit_type,
      ...figuresOf(row, rowMedians.get(key) ?? null),
    };
    rows.push(published);
    const segmentKey = `${flow.tier}/${flow.product_type}/${flow.credit_type}`;
    const segment = segments.get(segmentKey) ?? {
      sums: emptySums(flow.currency),
      row: published,
      organizations: 0,
    };
    addSums(segment.sums, row);
    segment.organizations += 1;
    segments.set(segmentKey, segment);
    const total = totals.get(flow.credit_type) ?? {
      sums: emptySums(flow.currency),
      organizations: 0,
    };
    addSums(total.sums, row);
    total.organizations += 1;
    totals.set(flow.credit_type, total);
  }

  return {
    startDate: span.startDate,
    endDate: span.endDate,
    rows,
    segments: [...segments.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, { sums: segment, row, organizations }]) => ({
        tier: row.tier,
        productType: row.productType,
        creditType: row.creditType,
        organizations,
        ...figuresOf(segment, segmentMedians.get(key) ?? null),
      })),
    totals: [...totals.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([creditType, { sums: total, organizations }]) => ({
        creditType,
        organizations,
        ...figuresOf(total, totalMedians.get(creditType) ?? null),
      })),
  };
});

/** One CSV record of a row: nested figures flattened into the file's columns. */
const csvRecord = (row: CreditReportRow) => ({
  ...row,
  grantedAllocated: row.granted.allocated,
  grantedPurchased: row.granted.purchased,
  grantedPromotional: row.granted.promotional,
  grantedCompensation: row.granted.compensation,
  grantedTopUp: row.granted.topUp,
  grantedTotal: row.granted.total,
  topUpCount: row.topUps.count,
  topUpCredits: row.topUps.credits,
  topUpAmount: row.topUps.amount,
  topUpCurrency: row.topUps.currency,
});

/** The same report as a CSV file, one row per organization and credit type. */
export async function* creditReportCsv(
  db: Db | Tx,
  partnerId: string,
  input: CreditReportInput,
  now: Date,
): AsyncGenerator<string> {
  const report = await creditReport(db, partnerId, input, now);
  yield `${CREDIT_REPORT_COLUMNS.join(',')}\n`;
  for (const row of report.rows) yield csvRow(CREDIT_REPORT_COLUMNS, csvRecord(row));
}
