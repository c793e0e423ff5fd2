import { z } from 'zod';

export const BILLING_PERIODS = ['monthly', 'quarterly', 'annually'] as const;
export type BillingPeriod = (typeof BILLING_PERIODS)[number];

/** What callers may send: the canonical names plus `annual`, an alias of `annually`. */
export const billingPeriodInputSchema = z
  .enum([...BILLING_PERIODS, 'annual'])
  .transform((value): BillingPeriod => (value === 'annual' ? 'annually' : value));

export const billingPeriodSchema = z.enum(BILLING_PERIODS);

/** Days 29-31 do not exist in every month, so billing days stop at 28. */
export const billingDayOfMonthSchema = z.int().min(1).max(28);

export const MONTHS_PER_PERIOD: Record<BillingPeriod, number> = {
  monthly: 1,
  quarterly: 3,
  annually: 12,
};

/** How a billing cycle repeats: every N months on `dayOfMonth`, aligned to the anchor's month. */
export interface BillingCycle {
  period: BillingPeriod;
  dayOfMonth: number;
  /** Fixes which months start a period (quarterly, annually); usually when the account was created. */
  anchor: Date;
}

export interface Period {
  /** Inclusive, 00:00 UTC on the billing day. */
  start: Date;
  /** Exclusive: the next period's start. */
  end: Date;
}

const monthIndex = (date: Date) => date.getUTCFullYear() * 12 + date.getUTCMonth();
const startOfMonthIndex = (index: number, day: number) =>
  new Date(Date.UTC(Math.floor(index / 12), index % 12, day));

/** The billing period that contains `at`. */
export function periodContaining(at: Date, cycle: BillingCycle): Period {
  const length = MONTHS_PER_PERIOD[cycle.period];
  // The month whose billing day most recently passed (or is today).
  let current = monthIndex(at);
  if (at.getTime() < startOfMonthIndex(current, cycle.dayOfMonth).getTime()) current -= 1;
  const offset = current - monthIndex(cycle.anchor);
  const startIndex = monthIndex(cycle.anchor) + Math.floor(offset / length) * length;
  return {
    start: startOfMonthIndex(startIndex, cycle.dayOfMonth),
    end: startOfMonthIndex(startIndex + length, cycle.dayOfMonth),
  };
}

/** The period right after `period` in the same cycle. */
export function nextPeriod(period: Period, cycle: BillingCycle): Period {
  return periodContaining(period.end, cycle);
}
