import { z } from 'zod';
import { idSchema, isoDateSchema } from './common.ts';
import { amountSchema, currencySchema } from './money.ts';
import { dateRangeInput } from './reports.ts';
import { text } from './text.ts';

/**
 * Revenue recognition (seed 003), per partner and currency, over a date range. A prepaid pool is
 * billed in advance and earned as its credits are consumed; what its period ends without
 * consuming is breakage; the rest is deferred. Usage and overage are billed in arrears, after
 * they were consumed, so they are earned as billed. The figures roll forward:
 * openingDeferred + billed = recognized + breakage + deferred.
 */
export const revenueReportInput = dateRangeInput.extend({
  partnerId: idSchema.optional().describe('Only this partner'),
});
export type RevenueReportInput = z.infer<typeof revenueReportInput>;

export const revenueRowSchema = z.object({
  partnerId: idSchema,
  partnerName: text(),
  currency: currencySchema,
  openingDeferred: amountSchema.describe('Billed before startDate, not yet earned nor lapsed then'),
  billed: amountSchema.describe(
    'Line amounts of the invoices issued in the range (not void), before tax',
  ),
  recognized: amountSchema.describe(
    'Earned in the range: pool credits consumed × the price they were billed at; usage and overage as billed',
  ),
  breakage: amountSchema.describe('Prepaid pool credits whose period ended in the range unused'),
  deferred: amountSchema.describe('At the end of the range: billed, not yet earned nor lapsed'),
  creditsApplied: amountSchema.describe(
    'Monetary credits applied to the invoices issued in the range',
  ),
});
export type RevenueRow = z.infer<typeof revenueRowSchema>;

export const revenueReportSchema = z.object({
  startDate: isoDateSchema,
  endDate: isoDateSchema,
  rows: z.array(revenueRowSchema).describe('One per partner and currency billed, by partner name'),
});
export type RevenueReport = z.infer<typeof revenueReportSchema>;
