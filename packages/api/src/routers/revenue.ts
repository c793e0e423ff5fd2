import { revenueReportInput, revenueReportSchema } from '@allot/domain';
import { revenueCsv, revenueReport } from '../services/invoices/revenue.ts';
import { operatorProcedure, router } from '../trpc.ts';

const description =
  'Per partner and currency over the range (both days inclusive, UTC): billed (line amounts of the invoices issued, before tax), recognized (prepaid pool credits consumed × the price they were billed at; usage and overage, billed in arrears, as billed), breakage (prepaid pool credits whose period ended unused), deferred at the end (billed, not yet earned nor lapsed), and the monetary credits applied. They roll forward: openingDeferred + billed = recognized + breakage + deferred.';

/** The operator's revenue recognition report (seed 003). */
export const operatorReportsRouter = router({
  revenue: operatorProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/operator/reports/revenue',
        tag: 'Invoices',
        summary: 'Revenue recognition: billed, recognized, breakage, deferred',
        description,
      },
    })
    .input(revenueReportInput.prefault({}))
    .output(revenueReportSchema)
    .query(({ ctx, input }) => revenueReport(ctx.db, input, ctx.clock())),

  revenueCsv: operatorProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/operator/reports/revenue.csv',
        tag: 'Invoices',
        format: 'csv',
        filename: 'revenue.csv',
        summary: 'Revenue recognition as a CSV file',
        description: `The revenue report as a CSV file, one row per partner and currency. ${description}`,
      },
    })
    .input(revenueReportInput.prefault({}))
    .query(({ ctx, input }) => revenueCsv(ctx.db, input, ctx.clock())),
});
