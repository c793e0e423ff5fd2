import { z } from 'zod';
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
  currentPeriod: periodSchema,
  /** The pool fields are null outside `credit_pool` mode. */
  creditPoolTotal: z.int().nullable(),
  creditsAllocated: z.int().nullable(),
  creditsUnallocated: z.int().nullable(),
  creditsUsed: z.int(),
  creditsRemaining: z.int().nullable(),
});

export const billingUsageSchema = z.object({
  periodStart: isoDateTimeSchema,
  periodEnd: isoDateTimeSchema,
  creditsConsumed: z.int(),
  identifications: z.int(),
  organizations: z.array(
    z.object({ organizationId: idSchema, name: z.string(), creditsConsumed: z.int() }),
  ),
});

export const dateRangeInput = z.strictObject({
  startDate: isoDateSchema.optional(),
  endDate: isoDateSchema.optional(),
});
export type DateRangeInput = z.infer<typeof dateRangeInput>;

export const usageSummarySchema = z.object({
  startDate: isoDateSchema,
  endDate: isoDateSchema,
  totalQuantity: z.int(),
  totalEvents: z.int(),
});

export const analyticsSchema = z.object({
  startDate: isoDateSchema,
  endDate: isoDateSchema,
  totalOrganizations: z.int(),
  activeOrganizations: z.int(),
  totalIdentifications: z.int(),
  creditsRemaining: z.int(),
  creditsUsed: z.int(),
});

export interface DateRange {
  startDate: string;
  endDate: string;
  /** `[from, until)` in UTC: the whole of both named days. */
  from: Date;
  until: Date;
}

const dayOf = (date: Date) => date.toISOString().slice(0, 10);
const DAY_MS = 86_400_000;

/** Both dates inclusive; by default the first of the current month through today. */
export function resolveDateRange(input: DateRangeInput, now: Date): RuleResult<DateRange> {
  const startDate =
    input.startDate ?? dayOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)));
  const endDate = input.endDate ?? dayOf(now);
  if (startDate > endDate)
    return refuse('invalid_date_range', 'startDate must not be after endDate');
  const from = new Date(`${startDate}T00:00:00Z`);
  const until = new Date(new Date(`${endDate}T00:00:00Z`).getTime() + DAY_MS);
  return ok({ startDate, endDate, from, until });
}
