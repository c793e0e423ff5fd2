import { z } from 'zod';
import { idSchema, isoDateSchema, ok, type RuleResult } from './common.ts';
import { creditTypeKeySchema } from './credits.ts';
import { amountSchema, currencySchema } from './money.ts';
import { productTypeSchema } from './organizations.ts';
import { dayOf, inclusiveDays } from './reports.ts';
import { text } from './text.ts';
import { tierSchema } from './tiers.ts';

/**
 * The partner's credit report (seeds 003 and 004): per organization and credit type, where its
 * credits came from and went over a date range, read from the organization account's ledger
 * entries. Every entry of the account falls in exactly one figure, so they reconcile:
 * openingBalance + granted.total + overage - consumed - expired - voided - reclaimed - applied
 * - pending = balance. Over all history (no startDate) openingBalance is 0.
 */
export const creditReportInput = z.strictObject({
  startDate: isoDateSchema
    .optional()
    .describe('First day, inclusive (UTC); default: from the beginning'),
  endDate: isoDateSchema.optional().describe('Last day, inclusive (UTC); default: today'),
  organizationId: idSchema.optional().describe('Only this organization'),
  creditType: creditTypeKeySchema.optional().describe('Only this credit type'),
});
export type CreditReportInput = z.infer<typeof creditReportInput>;

/** The report's span: `[from, until)`, from the beginning when `from` is null. */
export interface ReportSpan {
  startDate: string | null;
  endDate: string;
  from: Date | null;
  until: Date;
}

/** Both dates inclusive; by default all history through today. */
export function resolveReportSpan(
  input: Pick<CreditReportInput, 'startDate' | 'endDate'>,
  now: Date,
): RuleResult<ReportSpan> {
  const endDate = input.endDate ?? dayOf(now);
  const days = inclusiveDays(input.startDate ?? endDate, endDate);
  if (!days.ok) return days;
  const { from, until } = days.value;
  return ok({
    startDate: input.startDate ?? null,
    endDate,
    from: input.startDate === undefined ? null : from,
    until,
  });
}

export const creditsGrantedSchema = z
  .object({
    allocated: z.int().describe('Allocation and renewal blocks'),
    purchased: z.int(),
    promotional: z.int(),
    compensation: z.int(),
    topUp: z.int().describe('Auto top-ups'),
    total: z.int().describe('The sum of the above'),
  })
  .describe(
    "Credits credited to the organization's account in the range, by the kind of block they went into. Positive amendments are corrections of consumption, not grants (see consumed)",
  );

export const creditTopUpsSchema = z.object({
  count: z.int().describe('Auto top-ups applied in the range'),
  credits: z.int().describe('Credits they granted'),
  amount: amountSchema
    .nullable()
    .describe('What their invoice lines (non-void) billed; null when none was invoiced'),
  currency: currencySchema.nullable().describe('The currency of amount; null with it'),
});

export const revenueAmountSchema = z.object({ currency: currencySchema, amount: amountSchema });

/** The figures of a row, and their sums over a segment or a credit type. */
const creditFigures = {
  currency: currencySchema
    .nullable()
    .describe("The credit type's currency for a monetary credit type (one credit, one minor unit)"),
  openingBalance: z
    .int()
    .describe('What the accounts held before startDate (0 without a startDate)'),
  granted: creditsGrantedSchema,
  consumed: z
    .int()
    .describe(
      'Credits consumed in the range, net of amendments (a positive amendment gives consumption back), overage included',
    ),
  overage: z
    .int()
    .describe(
      'Of consumed, credits consumed past zero (usage_based): issued on credit as they were consumed, never granted',
    ),
  expired: z.int().describe('Credits that expired unused in the range (written down first)'),
  voided: z.int().describe('Credits voided in the range'),
  reclaimed: z.int().describe('Credits taken back by a lowered allocation or a deletion'),
  applied: z.int().describe('Monetary credits applied in the range to invoices that are now paid'),
  pending: z
    .int()
    .describe(
      'Monetary credits applied in the range to invoices not paid, less what voids in the range gave back; over all history, what unpaid (issued) invoices hold',
    ),
  available: z.int().describe('Spendable now, whatever the range'),
  balance: z
    .int()
    .describe('What the accounts held at the end of the range, not-yet-effective credits included'),
  expirationRate: text()
    .nullable()
    .describe('expired / granted.total, a decimal with 4 digits; null when nothing was granted'),
  medianLifetimeDays: text()
    .nullable()
    .describe(
      "Median, weighted by credits, of the days from a block's effectiveAt to the consumption that drew from it (in burn order), a decimal with 2 digits; null when nothing was consumed from a block",
    ),
  topUps: creditTopUpsSchema,
  purchaseRevenue: amountSchema
    .nullable()
    .describe(
      'Purchase and top-up lines of the non-void invoices issued in the range, in revenueCurrency; null when none, or when they are in several currencies (see revenueByCurrency)',
    ),
  revenueCurrency: currencySchema.nullable(),
  revenueByCurrency: z
    .array(revenueAmountSchema)
    .describe('The same purchase revenue per invoice currency'),
};

export const creditReportRowSchema = z.object({
  organizationId: idSchema,
  organizationName: text(),
  tier: tierSchema,
  productType: productTypeSchema,
  creditType: text(),
  ...creditFigures,
});
export type CreditReportRow = z.infer<typeof creditReportRowSchema>;

export const creditReportSegmentSchema = z.object({
  tier: tierSchema,
  productType: productTypeSchema,
  creditType: text(),
  organizations: z.int(),
  ...creditFigures,
});
export type CreditReportSegment = z.infer<typeof creditReportSegmentSchema>;

export const creditReportTotalSchema = z.object({
  creditType: text(),
  organizations: z.int(),
  ...creditFigures,
});
export type CreditReportTotal = z.infer<typeof creditReportTotalSchema>;

export const creditReportSchema = z.object({
  startDate: isoDateSchema.nullable().describe('As asked; null: from the beginning'),
  endDate: isoDateSchema,
  rows: z
    .array(creditReportRowSchema)
    .describe('One per organization and credit type, by organization name'),
  segments: z
    .array(creditReportSegmentSchema)
    .describe('The rows summed per tier, product type and credit type'),
  totals: z.array(creditReportTotalSchema).describe('The rows summed per credit type'),
});
export type CreditReport = z.infer<typeof creditReportSchema>;

/** The CSV file's columns, one row per organization and credit type. */
export const CREDIT_REPORT_COLUMNS = [
  'organizationId',
  'organizationName',
  'tier',
  'productType',
  'creditType',
  'currency',
  'openingBalance',
  'grantedAllocated',
  'grantedPurchased',
  'grantedPromotional',
  'grantedCompensation',
  'grantedTopUp',
  'grantedTotal',
  'consumed',
  'overage',
  'expired',
  'voided',
  'reclaimed',
  'applied',
  'pending',
  'available',
  'balance',
  'expirationRate',
  'medianLifetimeDays',
  'topUpCount',
  'topUpCredits',
  'topUpAmount',
  'topUpCurrency',
  'purchaseRevenue',
  'revenueCurrency',
] as const;
