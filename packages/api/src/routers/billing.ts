import {
  analyticsSchema,
  billingSchema,
  billingUsageSchema,
  dateRangeInput,
  usageSummarySchema,
} from '@allot/domain';
import { getAnalytics, getBilling, getBillingUsage, getUsageSummary } from '../services/billing.ts';
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
});
