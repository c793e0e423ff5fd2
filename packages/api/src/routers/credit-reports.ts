import { creditReportInput, creditReportSchema } from '@allot/domain';
import { creditReport, creditReportCsv } from '../services/credit-reports.ts';
import { partnerProcedure, router } from '../trpc.ts';

const description =
  "Per organization and credit type over the range (both days inclusive, UTC; default: all history through today): credits granted by kind, consumed (net of amendments), expired, voided, reclaimed by a lowered allocation, monetary credits applied to paid and to unpaid invoices, what is available now and the balance at the end of the range; the expiration rate, the median days from a block's start to its consumption, auto top-ups and purchase revenue; the same summed per tier, product type and credit type, and per credit type. They reconcile: openingBalance + granted.total + overage - consumed - expired - voided - reclaimed - applied - pending = balance. 422 invalid_date_range when startDate is after endDate; 404 for an organization that is not yours.";

/** The partner's credit report (seeds 003 and 004), as JSON and as a CSV file. */
export const creditReportsRouter = router({
  get: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/reports/credits',
        tag: 'Billing',
        summary: 'Credit report: granted, consumed, expired and applied per organization',
        description,
      },
    })
    .input(creditReportInput.prefault({}))
    .output(creditReportSchema)
    .query(({ ctx, input }) => creditReport(ctx.db, ctx.partnerId, input, ctx.clock())),

  csv: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/reports/credits.csv',
        tag: 'Billing',
        format: 'csv',
        filename: 'credits.csv',
        summary: 'Credit report as a CSV file',
        description: `The credit report's rows as a CSV file, one per organization and credit type (nested figures flattened: grantedAllocated, topUpCount, ...). ${description}`,
      },
    })
    .input(creditReportInput.prefault({}))
    .query(({ ctx, input }) => creditReportCsv(ctx.db, ctx.partnerId, input, ctx.clock())),
});
