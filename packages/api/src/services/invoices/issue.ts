import { sql } from 'kysely';
import { inTransaction, type Db, type InvoiceParty, type PartnerRow, type Tx } from '@allot/db';
import { AppError, periodContaining, type Currency, type Period } from '@allot/domain';
import { newId } from '../../ids.ts';
import { cycleOf, renewAndLockPartner } from '../ledger/renewal.ts';
import { pricesFor, pricingOf, unbilledLines, type Prices } from './lines.ts';
import { nextOperatorNumber } from './numbering.ts';
import { readInvoice } from './read.ts';
import { completeInvoice, nothingToInvoice } from './totals.ts';

/**
 * The invoice engine, for the operator billing a partner (`client-issue.ts` is a partner billing
 * its organizations; both end in `totals.ts`). One invoice is one transaction, under
 * the partner's lock (after its renewal, so a new period's pool is on the books):
 *
 * 1. the issuer's next number (gap-free: a rollback takes it back with everything else);
 * 2. one statement that picks the ledger entries not yet billed, groups them into lines and
 *    records each entry against its line (`invoice_line_entries`, keyed by the entry): every
 *    entry is billed once, and one statement sees one snapshot, so the lines count exactly the
 *    entries they record, whatever commits meanwhile;
 * 3. each line's amount, rounded half-even, then the totals;
 * 4. the partner's monetary credits in the invoice's currency, applied up to the total
 *    (`credits.ts`).
 *
 * What is billed, per billing mode: `credit_pool`, the credits issued into the pool (in advance:
 * a new period's pool, a mid-period raise); `usage_based`, what organizations consumed (net of
 * amendments), within allowance and overage apart; `external`, what they consumed. A kind
 * without a price is not billed; nothing before the period the partner was first priced in is.
 */

export interface IssueOptions {
  /** Consumption is billed when recorded before this instant (in arrears); the pool until now. */
  until: Date;
  /** The period the invoice covers, as printed. */
  period: Period;
  /** A scheduled run's key: the run happens once, ever (see `invoice_runs`). */
  generationKey?: string;
}

/** The customer partner as its invoices print it: its billing profile, or its name. */
export async function customerOf(
  db: Db | Tx,
  partnerId: string,
  name: string,
): Promise<InvoiceParty> {
  const profile = await db
    .selectFrom('billing_profiles')
    .selectAll()
    .where('partner_id', '=', partnerId)
    .where('organization_id', 'is', null)
    .executeTakeFirst();
  return {
    type: 'partner',
    id: partnerId,
    legalName: profile?.legal_name ?? name,
    billingEmail: profile?.billing_email ?? null,
    address: profile?.address ?? null,
    taxId: profile?.tax_id ?? null,
  };
}

/**
 * Bills the unbilled entries: inserts the lines and records each entry against its line, in one
 * statement. Returns the lines (amounts not yet set).
 */
async function billEntries(
  trx: Tx,
  invoiceId: string,
  partnerId: string,
  billedFrom: Date,
  prices: Prices,
  options: IssueOptions,
  now: Date,
) {
  const { rows } = await sql<{ id: string; quantity: number; unit_price: string }>`
    WITH ${unbilledLines(partnerId, billedFrom, prices, options, now)}, lines AS (
      INSERT INTO invoice_lines (id, invoice_id, position, kind, description, organization_id,
        quantity, unit_price, amount, period_start, period_end, entries)
      SELECT id, ${invoiceId}, position, kind, description, organization_id, quantity,
        unit_price, 0, period_start, period_end, entries
      FROM numbered
      RETURNING id, quantity, unit_price
    ), billed AS (
      -- Each line carries its entries out of the grouping: no join back to find them.
      INSERT INTO invoice_line_entries (issuer, entry_id, line_id, invoice_id)
      SELECT 'operator', unnest(n.entry_ids), n.id, ${invoiceId} FROM numbered n
    )
    SELECT id, quantity, unit_price FROM lines`.execute(trx);
  return rows;
}

/**
 * Issues the operator's invoice to a partner for everything not yet billed, in the caller's
 * transaction. 422 `nothing_to_invoice` when there is nothing (no pricing, no line, or lines
 * that add up to less than nothing): the transaction then rolls back, number included. With a
 * `generationKey` already issued, answers that invoice.
 */
async function issuePartnerInvoice(
  trx: Tx,
  partnerId: string,
  optionsFor: (partner: PartnerRow) => IssueOptions,
  now: Date,
) {
  const lock = await renewAndLockPartner(trx, partnerId, now);
  const { partner } = lock;
  const options = optionsFor(partner);
  if (options.generationKey) {
    const run = await trx
      .selectFrom('invoice_runs')
      .select('invoice_id')
      .where('generation_key', '=', options.generationKey)
      .executeTakeFirst();
    if (run) {
      if (run.invoice_id === null) throw nothingToInvoice();
      return { invoice: await readInvoice(trx, run.invoice_id, now) };
    }
  }
  const pricing = await pricingOf(trx, partnerId);
  if (!pricing) throw nothingToInvoice();
  const prices = pricesFor(partner, pricing);
  const currency = pricing.currency as Currency;

  const issuer = await nextOperatorNumber(trx);
  const invoiceId = newId();
  const dueAt = new Date(now.getTime() + pricing.payment_terms_days * 86_400_000);
  const issuerParty: InvoiceParty = {
    type: 'operator',
    id: null,
    legalName: issuer.legal_name,
    billingEmail: null,
    address: null,
    taxId: null,
  };
  await trx
    .insertInto('invoices')
    .values({
      id: invoiceId,
      issuer: 'operator',
      number: issuer.number,
      partner_id: partnerId,
      organization_id: null,
      status: 'issued',
      currency,
      period_start: options.period.start,
      period_end: options.period.end,
      issued_at: now,
      due_at: dueAt,
      issuer_snapshot: JSON.stringify(issuerParty),
      customer_snapshot: JSON.stringify(await customerOf(trx, partnerId, partner.name)),
      subtotal: '0',
      tax_rate: pricing.tax_rate,
      tax: '0',
      credits_applied: '0',
      total: '0',
      created_at: now,
      updated_at: now,
    })
    .execute();

  const lines = await billEntries(
    trx,
    invoiceId,
    partnerId,
    pricing.billed_from,
    prices,
    options,
    now,
  );
  return completeInvoice(
    lock,
    { id: invoiceId, number: issuer.number, currency, taxRate: pricing.tax_rate },
    lines,
    options.generationKey,
    now,
  );
}

/** `POST /operator/partners/{id}/invoices`: everything not yet billed, up to now. */
export function issueInvoiceNow(trx: Tx, partnerId: string, now: Date) {
  // An unknown partner is a 404 from its lock.
  return issuePartnerInvoice(
    trx,
    partnerId,
    // Up to and including now: `until` is exclusive, and the clock counts milliseconds.
    (partner) => ({
      until: new Date(now.getTime() + 1),
      period: { start: partner.pool_period_start, end: now },
    }),
    now,
  );
}

const runKey = (partnerId: string, periodStart: Date) =>
  `partner:${partnerId}:${periodStart.toISOString()}`;

/**
 * The scheduled invoice of a partner whose period has ended: the period just closed (its
 * consumption, in arrears) and the new one's pool (in advance). Runs once per partner and new
 * period, whatever the number of workers, retries and restarts: a run with nothing to bill is
 * recorded too. Returns the invoice, or null when there was nothing.
 */
export async function issueClosedPeriodInvoice(db: Db, partnerId: string, now: Date) {
  let key = '';
  try {
    return await inTransaction(db, (trx) =>
      issuePartnerInvoice(
        trx,
        partnerId,
        (partner) => {
          const start = partner.pool_period_start;
          key = runKey(partnerId, start);
          return {
            until: start,
            period: periodContaining(new Date(start.getTime() - 1), cycleOf(partner)),
            generationKey: key,
          };
        },
        now,
      ),
    );
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'nothing_to_invoice')) throw error;
    await db
      .insertInto('invoice_runs')
      .values({ generation_key: key, invoice_id: null, created_at: now })
      .onConflict((oc) => oc.doNothing())
      .execute();
    return null;
  }
}

/**
 * Partners due a scheduled invoice: priced, and either past their period's end or not yet run
 * for the period they are in, when that period began after the one they were first priced in.
 */
export async function partnersDueInvoices(db: Db | Tx, now: Date): Promise<string[]> {
  const priced = await db
    .selectFrom('partners as p')
    .innerJoin('partner_pricing as pp', 'pp.partner_id', 'p.id')
    .select(['p.id', 'p.pool_period_start', 'p.pool_period_end', 'pp.billed_from'])
    .orderBy('p.id')
    .execute();
  const candidates = priced.filter(
    (p) => p.pool_period_end <= now || p.pool_period_start > p.billed_from,
  );
  const keys = candidates.map((p) => runKey(p.id, p.pool_period_start));
  const ran =
    keys.length === 0
      ? new Set<string>()
      : new Set(
          (
            await db
              .selectFrom('invoice_runs')
              .select('generation_key')
              .where('generation_key', 'in', keys)
              .execute()
          ).map((run) => run.generation_key),
        );
  return candidates
    .filter((p) => p.pool_period_end <= now || !ran.has(runKey(p.id, p.pool_period_start)))
    .map((p) => p.id);
}

/** Issues every scheduled invoice that is due, one partner per transaction; returns how many. */
export async function issueDueInvoices(db: Db, now: Date): Promise<number> {
  let issued = 0;
  for (const partnerId of await partnersDueInvoices(db, now))
    if (await issueClosedPeriodInvoice(db, partnerId, now)) issued += 1;
  return issued;
}
