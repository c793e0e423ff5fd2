import {
  analyticsSchema,
  billingSchema,
  billingUsageSchema,
  dailyUsageSchema,
  dateRangeInput,
  lowBalancesSchema,
  usageSummarySchema,
} from '@allot/domain';
import {
  getAnalytics,
  getBilling,
  getBillingUsage,
  getDailyUsage,
  getLowBalances,
  getUsageSummary,
} from '../services/billing.ts';
import { partnerProcedure, router } from '../trpc.ts';

export const billingRouter = router({
  get: partnerProcedure
    .output(billingSchema)
    .query(({ ctx }) => getBilling(ctx.db, ctx.partnerId, ctx.clock())),

  usage: partnerProcedure
    .output(billingUsageSchema)
    .query(({ ctx }) => getBillingUsage(ctx.db, ctx.partnerId, ctx.clock())),

  summary: partnerProcedure
    .input(dateRangeInput)
    .output(usageSummarySchema)
    .query(({ ctx, input }) => getUsageSummary(ctx.db, ctx.partnerId, input, ctx.clock())),

  analytics: partnerProcedure
    .input(dateRangeInput)
    .output(analyticsSchema)
    .query(({ ctx, input }) => getAnalytics(ctx.db, ctx.partnerId, input, ctx.clock())),

  /** Per day of a range: identifications and credits consumed; and per organization. */
  daily: partnerProcedure
    .input(dateRangeInput)
    .output(dailyUsageSchema)
    .query(({ ctx, input }) => getDailyUsage(ctx.db, ctx.partnerId, input, ctx.clock())),

  /** Active organizations with at most a tenth of this period's allocation left. */
  lowBalances: partnerProcedure
    .output(lowBalancesSchema)
    .query(({ ctx }) => getLowBalances(ctx.db, ctx.partnerId, ctx.clock())),
});
