import { sql } from 'kysely';
import {
  inTransaction,
  type Db,
  type InvoiceParty,
  type OrganizationRow,
  type Tx,
} from '@allot/db';
import { AppError, periodContaining, type Period } from '@allot/domain';
import { refused } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { brandingRow, invoiceBrandOf } from '../branding.ts';
import { clientPricingOf, type EffectivePricing } from '../client-pricing.ts';
import { cycleOf } from '../ledger/renewal.ts';
import { openOrganization } from '../ledger/open-books.ts';
import type { OrganizationLock } from '../ledger/locks.ts';
import { feesOwed, unbilledClientLines, type ClientBill } from './client-lines.ts';
import { nextPartnerNumber, partnerIssuer } from './numbering.ts';
import { readInvoice } from './read.ts';
import { completeInvoice, nothingToInvoice } from './totals.ts';

/**
 * A partner's invoices to its organizations: the operator's engine with the partner as issuer
 * and one organization as customer. One invoice is one transaction, under the partner's lock and
 * then the organization's (after renewal, so the period is current): the partner's next number
 * (gap-free, with its prefix), one statement that bills the unbilled lines and records what each
 * bills, the amounts, then the organization's monetary credits applied up to the total.
 *
 * Three things issue one: the organization's period boundary (its new period's fee in advance,
 * the overage of the period just closed in arrears; once per period, whatever the number of
 * workers), bill-now (everything unbilled up to now), and a credit sale (a purchase invoiced at
 * its cost basis, a priced top-up), in the transaction of its grant.
 */

/** The partner as its client invoices print it: its profile and brand as they stand now. */
async function issuerOf(trx: Tx, partner: { id: string; name: string }): Promise<InvoiceParty> {
  const [brand, profile] = await Promise.all([
    brandingRow(trx, partner.id),
    trx
      .selectFrom('billing_profiles')
      .selectAll()
      .where('partner_id', '=', partner.id)
      .where('organization_id', 'is', null)
      .executeTakeFirst(),
  ]);
  return {
    type: 'partner',
    id: partner.id,
    legalName: profile?.legal_name ?? brand?.display_name ?? partner.name,
    billingEmail: brand?.support_email ?? profile?.billing_email ?? null,
    address: profile?.address ?? null,
    taxId: profile?.tax_id ?? null,
    brand: invoiceBrandOf(brand, partner.name),
  };
}

/** The organization as its invoices print it: its billing profile, or its name. */
export async function organizationCustomerOf(
  db: Db | Tx,
  organization: Pick<OrganizationRow, 'id' | 'name'>,
): Promise<InvoiceParty> {
  const profile = await db
    .selectFrom('billing_profiles')
    .selectAll()
    .where('organization_id', '=', organization.id)
    .executeTakeFirst();
  return {
    type: 'organization',
    id: organization.id,
    legalName: profile?.legal_name ?? organization.name,
    billingEmail: profile?.billing_email ?? null,
    address: profile?.address ?? null,
    taxId: profile?.tax_id ?? null,
  };
}

const notPriced = () =>
  refused({
    code: 'nothing_to_invoice',
    message:
      'The organization has no prices: set PUT /partner/pricing or its own PUT .../pricing first.',
  });

/** What one client invoice bills, before the statement leaves out what is billed already. */
type BillOf = Omit<ClientBill, 'issuer' | 'organizationId' | 'pricing'>;

/**
 * Issues the partner's invoice to the locked organization, in the caller's transaction. 422
 * `nothing_to_invoice` when nothing is due: the transaction then rolls back, number included.
 */
async function issueClientInvoice(
  lock: OrganizationLock,
  pricing: EffectivePricing,
  bill: BillOf,
  options: { period: Period; generationKey?: string },
  now: Date,
) {
  const { trx, partner, organization } = lock;
  const issuer = partnerIssuer(partner.id);
  const { currency } = pricing;
  const number = await nextPartnerNumber(trx, partner);
  const invoiceId = newId();
  await trx
    .insertInto('invoices')
    .values({
      id: invoiceId,
      issuer,
      number,
      partner_id: partner.id,
      organization_id: organization.id,
      status: 'issued',
      currency,
      period_start: options.period.start,
      period_end: options.period.end,
      issued_at: now,
      due_at: new Date(now.getTime() + pricing.paymentTermsDays * 86_400_000),
      issuer_snapshot: JSON.stringify(await issuerOf(trx, partner)),
      customer_snapshot: JSON.stringify(await organizationCustomerOf(trx, organization)),
      subtotal: '0',
      tax_rate: pricing.taxRate,
      tax: '0',
      credits_applied: '0',
      total: '0',
      created_at: now,
      updated_at: now,
    })
    .execute();

  const { rows: lines } = await sql<{ id: string; quantity: number; unit_price: string }>`
    WITH ${unbilledClientLines({ ...bill, issuer, organizationId: organization.id, pricing })},
    lines AS (
      INSERT INTO invoice_lines (id, invoice_id, position, kind, description, organization_id,
        quantity, unit_price, amount, period_start, period_end, entries)
      SELECT id, ${invoiceId}, position, kind, description, ${organization.id}, quantity,
        unit_price, 0, period_start, period_end, entries
      FROM numbered
      RETURNING id, quantity, unit_price
    ), billed AS (
      INSERT INTO invoice_line_entries (issuer, entry_id, line_id, invoice_id)
      SELECT ${issuer}, unnest(n.entry_ids), n.id, ${invoiceId} FROM numbered n
    ), periods AS (
      INSERT INTO invoice_line_periods (organization_id, period_start, line_id, invoice_id)
      SELECT ${organization.id}, n.period_start, n.id, ${invoiceId} FROM numbered n
      WHERE n.kind = 'fee'
    )
    SELECT id, quantity, unit_price FROM lines`.execute(trx);
  return completeInvoice(
    lock,
    { id: invoiceId, number, currency, taxRate: pricing.taxRate },
    lines,
    options.generationKey,
    now,
  );
}

/** The fees an organization owes by now, from where its fees resume. */
async function feesDue(trx: Tx, organization: OrganizationRow, pricing: EffectivePricing) {
  if (pricing.periodFee === null) return [];
  return feesOwed(
    trx,
    organization.id,
    cycleOf(organization),
    pricing.billedFrom,
    organization.period_start,
  );
}

/** Overage is billed in usage_based only: the one mode where consumption passes the allowance. */
const billsOverage = (lock: OrganizationLock) => lock.partner.billing_mode === 'usage_based';

/**
 * `POST /partner/organizations/{id}/invoices`: everything not yet billed up to now (the fees of
 * the periods begun, credit sales whose invoice was voided, the overage so far).
 */
export async function issueClientInvoiceNow(
  trx: Tx,
  partnerId: string,
  organizationId: string,
  now: Date,
) {
  const lock = await openOrganization(trx, partnerId, organizationId, now);
  const pricing = await clientPricingOf(trx, partnerId, organizationId);
  if (!pricing) throw notPriced();
  const { organization } = lock;
  return issueClientInvoice(
    lock,
    pricing,
    {
      fees: await feesDue(trx, organization, pricing),
      purchases: 'all',
      // Up to and including now: `overageUntil` is exclusive, and the clock counts milliseconds.
      overageUntil: billsOverage(lock) ? new Date(now.getTime() + 1) : null,
      period: { start: organization.period_start, end: now },
    },
    { period: { start: organization.period_start, end: now } },
    now,
  );
}

/**
 * The invoice of a credit sale, in its grant's transaction (under the organization lock the
 * grant took): the sale alone, at the price recorded with it.
 */
export async function issuePurchaseInvoice(
  lock: OrganizationLock,
  pricing: EffectivePricing,
  blockId: string,
  now: Date,
) {
  const { organization } = lock;
  const period = { start: organization.period_start, end: organization.period_end };
  return issueClientInvoice(
    lock,
    pricing,
    { fees: [], purchases: { blockId }, overageUntil: null, period },
    { period },
    now,
  );
}

/** Records a credit sale to be invoiced: the grant's block, at its price. */
export async function recordSale(
  lock: OrganizationLock,
  sale: { blockId: string; kind: 'purchase' | 'top_up'; unitPrice: string },
  now: Date,
) {
  await lock.trx
    .insertInto('client_purchases')
    .values({
      block_id: sale.blockId,
      partner_id: lock.partner.id,
      organization_id: lock.organization.id,
      kind: sale.kind,
      unit_price: sale.unitPrice,
      created_at: now,
    })
    .execute();
}

const runKey = (organizationId: string, periodStart: Date) =>
  `organization:${organizationId}:${periodStart.getTime()}`;

/**
 * The scheduled invoice of an organization at its period start: the new period's fee in advance
 * and the closed period's overage in arrears. Runs once per organization and period, whatever
 * the number of workers, retries and restarts: a run with nothing to bill is recorded too.
 * Returns the invoice, or null when there was nothing.
 */
export async function issueClientPeriodInvoice(
  db: Db,
  partnerId: string,
  organizationId: string,
  now: Date,
) {
  let key = '';
  try {
    return await inTransaction(db, async (trx) => {
      const lock = await openOrganization(trx, partnerId, organizationId, now);
      const { organization } = lock;
      key = runKey(organizationId, organization.period_start);
      const run = await trx
        .selectFrom('invoice_runs')
        .select('invoice_id')
        .where('generation_key', '=', key)
        .executeTakeFirst();
      if (run) {
        if (run.invoice_id === null) throw nothingToInvoice();
        return readInvoice(trx, run.invoice_id, now);
      }
      const pricing = await clientPricingOf(trx, partnerId, organizationId);
      if (!pricing || organization.status !== 'active') throw nothingToInvoice();
      const period = { start: organization.period_start, end: organization.period_end };
      // The period just closed, whose overage this bills.
      const closed = periodContaining(
        new Date(organization.period_start.getTime() - 1),
        cycleOf(organization),
      );
      const { invoice } = await issueClientInvoice(
        lock,
        pricing,
        {
          fees: await feesDue(trx, organization, pricing),
          purchases: 'all',
          overageUntil: billsOverage(lock) ? organization.period_start : null,
          period: closed,
        },
        { period, generationKey: key },
        now,
      );
      return invoice;
    });
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'nothing_to_invoice') || key === '')
      throw error;
    await db
      .insertInto('invoice_runs')
      .values({ generation_key: key, invoice_id: null, created_at: now })
      .onConflict((oc) => oc.doNothing())
      .execute();
    return null;
  }
}

/**
 * Organizations due a scheduled invoice: active, with prices that bill something at a period
 * boundary (a fee, or overage), and either past their period's end or not yet run for the period
 * they are in, when that period began once they were priced.
 */
export async function organizationsDueInvoices(db: Db | Tx, now: Date) {
  const { rows } = await sql<{ id: string; partner_id: string }>`
    SELECT o.id, o.partner_id
    FROM organizations o
    LEFT JOIN client_pricing d ON d.partner_id = o.partner_id AND d.organization_id IS NULL
    LEFT JOIN client_pricing s ON s.organization_id = o.id
    WHERE o.status = 'active'
      AND (d.id IS NOT NULL OR s.id IS NOT NULL)
      AND coalesce(s.period_fee, d.period_fee, s.overage_unit_price, d.overage_unit_price)
        IS NOT NULL
      AND (o.period_end <= ${now}
        OR (o.period_start >= least(d.billed_from, s.billed_from)
          AND NOT EXISTS (SELECT 1 FROM invoice_runs r WHERE r.generation_key =
            'organization:' || o.id || ':' || (extract(epoch FROM o.period_start) * 1000)::bigint)))
    ORDER BY o.partner_id, o.id`.execute(db);
  return rows;
}

/** Issues every scheduled client invoice that is due, one per transaction; returns how many. */
export async function issueDueClientInvoices(db: Db, now: Date): Promise<number> {
  let issued = 0;
  for (const row of await organizationsDueInvoices(db, now))
    if (await issueClientPeriodInvoice(db, row.partner_id, row.id, now)) issued += 1;
  return issued;
}
