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
import { partnerInvoicesRouter } from './invoices.ts';
import { partnerWalletRouter } from './wallets.ts';

export const billingRouter = router({
  invoices: partnerInvoicesRouter,
  credits: partnerWalletRouter,
  get: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/billing',
        tag: 'Billing',
        summary: 'Billing configuration and the credit pool of the current period',
        description:
          "The partner's billing mode and period, and the credit pool of the current period: its total, what is allocated to organizations and what is left.",
      },
    })
    .output(billingSchema)
    .query(({ ctx }) => getBilling(ctx.db, ctx.partnerId, ctx.clock())),

  usage: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/billing/usage',
        tag: 'Billing',
        summary: 'Usage in the current billing period',
        description: "Credits consumed in the partner's current billing period, against its pool.",
      },
    })
    .output(billingUsageSchema)
    .query(({ ctx }) => getBillingUsage(ctx.db, ctx.partnerId, ctx.clock())),

  summary: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/usage',
        tag: 'Billing',
        summary: 'Usage summary for a date range (default: this month to date)',
        description:
          'Identifications and credits consumed between two dates (default: from the start of this month to today).',
      },
    })
    .input(dateRangeInput)
    .output(usageSummarySchema)
    .query(({ ctx, input }) => getUsageSummary(ctx.db, ctx.partnerId, input, ctx.clock())),

  analytics: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/analytics',
        tag: 'Billing',
        summary: 'Aggregate analytics across all organizations',
        description:
          'Aggregates over every organization of the partner for a date range (default: this month to date).',
      },
    })
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
