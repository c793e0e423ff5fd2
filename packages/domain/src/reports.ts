import { z } from 'zod';
import { text } from './text.ts';
import { billingModeSchema } from './billing-modes.ts';
import {
  idSchema,
  isoDateSchema,
  isoDateTimeSchema,
  ok,
  refuse,
  type RuleResult,
} from './common.ts';
import { billingPeriodSchema } from './periods.ts';
import { periodSchema } from './organizations.ts';

export const billingSchema = z.object({
  billingMode: billingModeSchema,
  billingPeriod: billingPeriodSchema,
  billingDayOfMonth: z.int(),
  currentPeriod: periodSchema.describe("The partner's current billing period (UTC)"),
  creditPoolTotal: z
    .int()
    .nullable()
    .describe('Credits in the pool this period; null outside credit_pool mode'),
  creditsAllocated: z
    .int()
    .nullable()
    .describe(
      'Credits drawn from the pool this period (allocations and grants), less what a lowered allocation, a void or a deleted organization returned',
    ),
  creditsUnallocated: z
    .int()
    .nullable()
    .describe('creditPoolTotal - creditsAllocated: what can still be allocated'),
  creditsUsed: z.int().describe('Credits consumed this period, net of amendments'),
  overage: z.int().describe('Credits consumed past zero this period (usage_based)'),
  creditsRemaining: z
    .int()
    .nullable()
    .describe(
      "creditPoolTotal - creditsUsed, both over the partner's currentPeriod: the pool's credits no organization has consumed yet, allocated or not (deleting an organization leaves it unchanged: its returned credits were never consumed). Not the /analytics creditsRemaining, which sums what organizations hold. Null outside credit_pool mode",
    ),
});

export const billingUsageSchema = z.object({
  periodStart: isoDateTimeSchema,
  periodEnd: isoDateTimeSchema,
  creditsConsumed: z.int().describe('Credits consumed this period, net of amendments'),
  overage: z.int().describe('Of which consumed past zero (usage_based)'),
  creditsGranted: z
    .int()
    .describe('Credits granted to organizations this period (not allocations)'),
  creditsExpired: z.int().describe("Organizations' credits that expired unused this period"),
  identifications: z.int(),
  organizations: z.array(
    z.object({
      organizationId: idSchema,
      name: text(),
      creditsConsumed: z.int(),
      overage: z.int().describe("Consumed past the organization's credits this period"),
    }),
  ),
});

export const dateRangeInput = z.strictObject({
  startDate: isoDateSchema
    .optional()
    .describe('First day, inclusive (default: the 1st of this month)'),
  endDate: isoDateSchema.optional().describe('Last day, inclusive (default: today, UTC)'),
});
export type DateRangeInput = z.infer<typeof dateRangeInput>;

export const usageSummarySchema = z.object({
  startDate: isoDateSchema,
  endDate: isoDateSchema,
  totalQuantity: z.int().describe('Credits consumed in the range, net of amendments'),
  totalEvents: z.int().describe('Identifications in the range'),
  totalOverage: z.int().describe('Of totalQuantity, consumed past zero (usage_based)'),
  pixelEvents: z
    .int()
    .describe('Pixel events (page views, engagement, identify) accepted in the range'),
  bots: z
    .int()
    .describe(
      'Events from crawlers and automated browsers in the range: counted, never stored, identified or charged',
    ),
});

export const analyticsSchema = z.object({
  startDate: isoDateSchema,
  endDate: isoDateSchema,
  totalOrganizations: z.int(),
  activeOrganizations: z.int(),
  totalIdentifications: z.int(),
  pixelEvents: z.int().describe('Pixel events accepted in the range'),
  bots: z
    .int()
    .describe(
      'Events from crawlers and automated browsers in the range: counted, never stored, identified or charged',
    ),
  creditsRemaining: z
    .int()
    .describe(
      "Sum over all the partner's organizations (canceled ones included) of the identification credits each can spend now: the unexpired, unvoided remainder of its allocation, renewals and grants, whatever startDate and endDate say. The pool's unallocated credits are not in it; /billing creditsRemaining (pool total - consumed) is the pool's figure",
    ),
  creditsUsed: z
    .int()
    .describe("Sum over organizations of their current period's consumed credits"),
});

export interface DateRange {
  startDate: string;
  endDate: string;
  /** `[from, until)` in UTC: the whole of both named days. */
  from: Date;
  until: Date;
}

/** The UTC day of an instant, `YYYY-MM-DD`. */
export const dayOf = (date: Date) => date.toISOString().slice(0, 10);
const DAY_MS = 86_400_000;

/** Two named days, both inclusive, as `[from, until)`; a start after the end is refused. */
export function inclusiveDays(startDate: string, endDate: string): RuleResult<DateRange> {
  if (startDate > endDate)
    return refuse('invalid_date_range', 'startDate must not be after endDate');
  const from = new Date(`${startDate}T00:00:00Z`);
  const until = new Date(new Date(`${endDate}T00:00:00Z`).getTime() + DAY_MS);
  return ok({ startDate, endDate, from, until });
}

/** Both dates inclusive; by default the first of the current month through today. */
export function resolveDateRange(input: DateRangeInput, now: Date): RuleResult<DateRange> {
  const startDate =
    input.startDate ?? dayOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)));
  return inclusiveDays(startDate, input.endDate ?? dayOf(now));
}

/** The longest range a per-day series covers: a year of days (and a leap day). */
export const MAX_SERIES_DAYS = 366;

export const dailyUsageSchema = z.object({
  startDate: isoDateSchema,
  endDate: isoDateSchema,
  days: z
    .array(
      z.object({
        date: isoDateSchema,
        identifications: z.int(),
        creditsConsumed: z
          .int()
          .describe('Identification credits consumed that day, net of amendments'),
      }),
    )
    .describe('Every day of the range, oldest first, zeros included'),
  organizations: z
    .array(
      z.object({
        organizationId: idSchema,
        name: text(),
        identifications: z.int(),
        creditsConsumed: z.int(),
      }),
    )
    .describe(
      'Organizations with any identification or consumption in the range, most consumed first',
    ),
});
export type DailyUsage = z.infer<typeof dailyUsageSchema>;

/** An organization is low when what remains of its allocation is at most this share of it. */
export const LOW_BALANCE_SHARE = 0.1;

export const lowBalancesSchema = z.object({
  organizations: z.array(
    z.object({
      organizationId: idSchema,
      name: text(),
      allocated: z.int().describe("This period's allocation"),
      remaining: z.int().describe('Credits still available'),
    }),
  ),
});
