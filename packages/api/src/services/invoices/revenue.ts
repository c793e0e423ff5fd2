import { sql } from 'kysely';
import type { Db, Tx } from '@allot/db';
import {
  DEFAULT_CREDIT_TYPE,
  resolveDateRange,
  type Currency,
  type RevenueReport,
  type RevenueReportInput,
} from '@allot/domain';
import { orRefuse } from '../../errors.ts';
import { csvRow } from '../csv.ts';
import { decimal, formatAmount, roundToMinor, type Amount } from '../money.ts';

/**
 * Revenue recognition over the operator's invoices (seed 003). The books are read as they stood
 * at two instants, the range's start and its end (or now, if sooner: nothing is earned or lapses
 * ahead of time), and the range's figures are the difference, so they roll forward exactly:
 * openingDeferred + billed = recognized + breakage + deferred.
 *
 * A prepaid pool period billed Q credits for amount A: by time t it has earned
 * A × min(consumed, Q) / Q (rounded half-even to the minor unit), where consumed is the partner's
 * net identification consumption within the period up to t; once the period has ended the rest
 * is breakage; until then it is deferred. Usage and overage lines bill consumption already done:
 * earned as billed.
 */

interface Standing {
  billed: Amount;
  recognized: Amount;
  breakage: Amount;
  creditsApplied: Amount;
}

const zero = (): Standing => ({
  billed: decimal(0),
  recognized: decimal(0),
  breakage: decimal(0),
  creditsApplied: decimal(0),
});

const keyOf = (partnerId: string, currency: string) => `${partnerId}/${currency}`;

/** Every partner's and currency's cumulative figures at `at`: billed, earned, lapsed, applied. */
async function standingAt(db: Db | Tx, at: Date, partnerId: string | undefined) {
  const partner = partnerId === undefined ? sql`true` : sql`i.partner_id = ${partnerId}`;
  const [pools, arrears, credits] = await Promise.all([
    sql<{
      partner_id: string;
      currency: string;
      period_end: Date;
      quantity: number;
      amount: string;
      consumed: number;
    }>`
      SELECT i.partner_id, i.currency, l.period_end, sum(l.quantity)::bigint AS quantity,
        sum(l.amount) AS amount,
        (SELECT coalesce(sum(e.amount), 0) FROM entries e
          WHERE e.partner_id = i.partner_id AND e.account_kind = 'consumption'
            AND e.credit_type = ${DEFAULT_CREDIT_TYPE} AND e.type IN ('decrement', 'amendment')
            AND e.created_at >= l.period_start AND e.created_at < least(l.period_end, ${at}))::bigint
          AS consumed
      FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
      WHERE i.issuer = 'operator' AND i.status <> 'void' AND l.kind = 'pool'
        AND i.issued_at < ${at} AND ${partner}
      GROUP BY i.partner_id, i.currency, l.period_start, l.period_end`.execute(db),
    sql<{ partner_id: string; currency: string; amount: string }>`
      SELECT i.partner_id, i.currency, sum(l.amount) AS amount
      FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
      WHERE i.issuer = 'operator' AND i.status <> 'void' AND l.kind <> 'pool'
        AND i.issued_at < ${at} AND ${partner}
      GROUP BY i.partner_id, i.currency`.execute(db),
    sql<{ partner_id: string; currency: string; amount: string }>`
      SELECT i.partner_id, i.currency, sum(i.credits_applied) AS amount
      FROM invoices i
      WHERE i.issuer = 'operator' AND i.status <> 'void' AND i.issued_at < ${at} AND ${partner}
      GROUP BY i.partner_id, i.currency`.execute(db),
  ]);
  const standing = new Map<string, Standing>();
  const of = (partner: string, currency: string) => {
    const key = keyOf(partner, currency);
    const found = standing.get(key) ?? zero();
    standing.set(key, found);
    return found;
  };
  for (const pool of pools.rows) {
    const row = of(pool.partner_id, pool.currency);
    const amount = decimal(pool.amount);
    const earned =
      pool.quantity > 0
        ? roundToMinor(
            amount.mul(Math.min(Math.max(pool.consumed, 0), pool.quantity)).div(pool.quantity),
            pool.currency as Currency,
          )
        : decimal(0);
    row.billed = row.billed.plus(amount);
    row.recognized = row.recognized.plus(earned);
    if (pool.period_end.getTime() <= at.getTime())
      row.breakage = row.breakage.plus(amount.minus(earned));
  }
  for (const line of arrears.rows) {
    const row = of(line.partner_id, line.currency);
    row.billed = row.billed.plus(decimal(line.amount));
    row.recognized = row.recognized.plus(decimal(line.amount));
  }
  for (const invoice of credits.rows) {
    const row = of(invoice.partner_id, invoice.currency);
    row.creditsApplied = row.creditsApplied.plus(decimal(invoice.amount));
  }
  return standing;
}

const deferredOf = (s: Standing) => s.billed.minus(s.recognized).minus(s.breakage);

/** `GET /operator/reports/revenue`: per partner and currency, over the range. */
export async function revenueReport(
  db: Db | Tx,
  input: RevenueReportInput,
  now: Date,
): Promise<RevenueReport> {
  const range = orRefuse(resolveDateRange(input, now));
  const end = new Date(Math.min(range.until.getTime(), now.getTime()));
  const start = new Date(Math.min(range.from.getTime(), end.getTime()));
  const [opening, closing] = await Promise.all([
    standingAt(db, start, input.partnerId),
    standingAt(db, end, input.partnerId),
  ]);
  const partners = new Map(
    (await db.selectFrom('partners').select(['id', 'name']).execute()).map((p) => [p.id, p.name]),
  );
  const rows = [...closing.entries()].map(([key, last]) => {
    const [partnerId = '', code = ''] = key.split('/');
    const currency = code as Currency;
    const first = opening.get(key) ?? zero();
    const money = (value: Amount) => formatAmount(value, currency);
    return {
      partnerId,
      partnerName: partners.get(partnerId) ?? '',
      currency,
      openingDeferred: money(deferredOf(first)),
      billed: money(last.billed.minus(first.billed)),
      recognized: money(last.recognized.minus(first.recognized)),
      breakage: money(last.breakage.minus(first.breakage)),
      deferred: money(deferredOf(last)),
      creditsApplied: money(last.creditsApplied.minus(first.creditsApplied)),
    };
  });
  rows.sort(
    (a, b) =>
      a.partnerName.localeCompare(b.partnerName) ||
      a.partnerId.localeCompare(b.partnerId) ||
      a.currency.localeCompare(b.currency),
  );
  return { startDate: range.startDate, endDate: range.endDate, rows };
}

const REVENUE_COLUMNS = [
  'partnerId',
  'partnerName',
  'currency',
  'openingDeferred',
  'billed',
  'recognized',
  'breakage',
  'deferred',
  'creditsApplied',
] as const;

/** The same report as a CSV file, one row per partner and currency. */
export async function* revenueCsv(
  db: Db | Tx,
  input: RevenueReportInput,
  now: Date,
): AsyncGenerator<string> {
  const report = await revenueReport(db, input, now);
  yield `${REVENUE_COLUMNS.join(',')}\n`;
  yield report.rows.map((row) => csvRow(REVENUE_COLUMNS, row)).join('');
}
