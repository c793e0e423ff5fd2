import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BILLING_PERIODS,
  MONTHS_PER_PERIOD,
  billingDayOfMonthSchema,
  billingPeriodInputSchema,
  billingPeriodSchema,
  nextPeriod,
  periodContaining,
  type BillingCycle,
  type BillingPeriod,
  type Period,
} from './periods.ts';

const cycle = (period: BillingPeriod, dayOfMonth: number, anchor: string): BillingCycle => ({
  period,
  dayOfMonth,
  anchor: new Date(anchor),
});

const iso = (period: Period) => ({
  start: period.start.toISOString(),
  end: period.end.toISOString(),
});

interface Case {
  name: string;
  period: BillingPeriod;
  day: number;
  anchor: string;
  at: string;
  start: string;
  end: string;
}

const T = (date: string) => `${date}T00:00:00.000Z`;

// prettier-ignore
const cases: Case[] = [
  // --- monthly, billing day 1 --------------------------------------------------------------
  { name: 'monthly/1: exactly at the period start is inside it', period: 'monthly', day: 1, anchor: T('2024-01-01'), at: T('2024-03-01'), start: T('2024-03-01'), end: T('2024-04-01') },
  { name: 'monthly/1: 1ms before a start belongs to the previous period (leap Feb 29)', period: 'monthly', day: 1, anchor: T('2024-01-01'), at: '2024-02-29T23:59:59.999Z', start: T('2024-02-01'), end: T('2024-03-01') },
  { name: 'monthly/1: Jan 31', period: 'monthly', day: 1, anchor: T('2024-01-01'), at: '2024-01-31T12:00:00.000Z', start: T('2024-01-01'), end: T('2024-02-01') },
  { name: 'monthly/1: Apr 30 last ms', period: 'monthly', day: 1, anchor: T('2024-01-01'), at: '2024-04-30T23:59:59.999Z', start: T('2024-04-01'), end: T('2024-05-01') },
  { name: 'monthly/1: Dec 31 ends on Jan 1 of the next year', period: 'monthly', day: 1, anchor: T('2024-01-01'), at: '2024-12-31T23:59:59.999Z', start: T('2024-12-01'), end: T('2025-01-01') },
  { name: 'monthly/1: Jan 1 of the next year starts a new period', period: 'monthly', day: 1, anchor: T('2024-01-01'), at: T('2025-01-01'), start: T('2025-01-01'), end: T('2025-02-01') },
  { name: 'monthly/1: 2100 is not a leap year (Feb 28 last ms)', period: 'monthly', day: 1, anchor: T('2024-01-01'), at: '2100-02-28T23:59:59.999Z', start: T('2100-02-01'), end: T('2100-03-01') },
  { name: 'monthly/1: 2028 is a leap year (Feb 29 last ms)', period: 'monthly', day: 1, anchor: T('2024-01-01'), at: '2028-02-29T23:59:59.999Z', start: T('2028-02-01'), end: T('2028-03-01') },
  { name: 'monthly/1: anchor day does not move the billing day', period: 'monthly', day: 1, anchor: '2024-05-17T13:45:00.000Z', at: '2024-05-10T08:00:00.000Z', start: T('2024-05-01'), end: T('2024-06-01') },
  { name: 'monthly/1: time of day on the start day is included', period: 'monthly', day: 1, anchor: T('2024-01-01'), at: '2024-07-01T23:59:59.999Z', start: T('2024-07-01'), end: T('2024-08-01') },

  // --- monthly, billing day 15 -------------------------------------------------------------
  { name: 'monthly/15: exactly at the start', period: 'monthly', day: 15, anchor: T('2024-01-01'), at: T('2024-03-15'), start: T('2024-03-15'), end: T('2024-04-15') },
  { name: 'monthly/15: 1ms before the start', period: 'monthly', day: 15, anchor: T('2024-01-01'), at: '2024-03-14T23:59:59.999Z', start: T('2024-02-15'), end: T('2024-03-15') },
  { name: 'monthly/15: early January belongs to a period that began in December', period: 'monthly', day: 15, anchor: T('2024-01-01'), at: '2024-01-05T10:00:00.000Z', start: T('2023-12-15'), end: T('2024-01-15') },
  { name: 'monthly/15: Dec 31 -> Jan 15 next year', period: 'monthly', day: 15, anchor: T('2024-01-01'), at: '2024-12-31T23:59:59.999Z', start: T('2024-12-15'), end: T('2025-01-15') },
  { name: 'monthly/15: Apr 30', period: 'monthly', day: 15, anchor: T('2024-01-01'), at: '2024-04-30T23:59:59.999Z', start: T('2024-04-15'), end: T('2024-05-15') },
  { name: 'monthly/15: leap Feb 29', period: 'monthly', day: 15, anchor: T('2024-01-01'), at: '2024-02-29T12:00:00.000Z', start: T('2024-02-15'), end: T('2024-03-15') },

  // --- monthly, billing day 28 -------------------------------------------------------------
  { name: 'monthly/28: exactly at the start in Feb', period: 'monthly', day: 28, anchor: T('2024-01-01'), at: T('2024-02-28'), start: T('2024-02-28'), end: T('2024-03-28') },
  { name: 'monthly/28: 1ms before the Feb start', period: 'monthly', day: 28, anchor: T('2024-01-01'), at: '2024-02-27T23:59:59.999Z', start: T('2024-01-28'), end: T('2024-02-28') },
  { name: 'monthly/28: Feb 29 (leap) is after the 28th', period: 'monthly', day: 28, anchor: T('2024-01-01'), at: '2024-02-29T12:00:00.000Z', start: T('2024-02-28'), end: T('2024-03-28') },
  { name: 'monthly/28: Mar 1 after a leap Feb', period: 'monthly', day: 28, anchor: T('2024-01-01'), at: T('2024-03-01'), start: T('2024-02-28'), end: T('2024-03-28') },
  { name: 'monthly/28: Jan 31', period: 'monthly', day: 28, anchor: T('2024-01-01'), at: '2024-01-31T23:59:59.999Z', start: T('2024-01-28'), end: T('2024-02-28') },
  { name: 'monthly/28: Feb 28 in a common year', period: 'monthly', day: 28, anchor: T('2024-01-01'), at: T('2023-02-28'), start: T('2023-02-28'), end: T('2023-03-28') },
  { name: 'monthly/28: Dec 31 -> Jan 28 next year', period: 'monthly', day: 28, anchor: T('2024-01-01'), at: '2024-12-31T23:59:59.999Z', start: T('2024-12-28'), end: T('2025-01-28') },
  { name: 'monthly/28: Jan 27 belongs to the period from Dec 28', period: 'monthly', day: 28, anchor: T('2024-01-01'), at: '2025-01-27T23:59:59.999Z', start: T('2024-12-28'), end: T('2025-01-28') },
  { name: 'monthly/28: 2100-02-28 last ms (not leap)', period: 'monthly', day: 28, anchor: T('2024-01-01'), at: '2100-02-28T23:59:59.999Z', start: T('2100-02-28'), end: T('2100-03-28') },
  { name: 'monthly/28: 2100-03-01 (day after Feb 28 in a non-leap century)', period: 'monthly', day: 28, anchor: T('2024-01-01'), at: T('2100-03-01'), start: T('2100-02-28'), end: T('2100-03-28') },
  { name: 'monthly/28: 2028-02-29 (leap)', period: 'monthly', day: 28, anchor: T('2024-01-01'), at: T('2028-02-29'), start: T('2028-02-28'), end: T('2028-03-28') },

  // --- quarterly, anchor in January (Jan/Apr/Jul/Oct) --------------------------------------
  { name: 'quarterly/1 Jan grid: exactly at Apr 1', period: 'quarterly', day: 1, anchor: '2024-01-10T00:00:00.000Z', at: T('2024-04-01'), start: T('2024-04-01'), end: T('2024-07-01') },
  { name: 'quarterly/1 Jan grid: 1ms before Apr 1', period: 'quarterly', day: 1, anchor: '2024-01-10T00:00:00.000Z', at: '2024-03-31T23:59:59.999Z', start: T('2024-01-01'), end: T('2024-04-01') },
  { name: 'quarterly/1 Jan grid: the anchor instant itself', period: 'quarterly', day: 1, anchor: '2024-01-10T00:00:00.000Z', at: '2024-01-10T00:00:00.000Z', start: T('2024-01-01'), end: T('2024-04-01') },
  { name: 'quarterly/1 Jan grid: Dec 31 -> next year', period: 'quarterly', day: 1, anchor: '2024-01-10T00:00:00.000Z', at: '2024-12-31T23:59:59.999Z', start: T('2024-10-01'), end: T('2025-01-01') },
  { name: 'quarterly/1 Jan grid: mid-quarter month (May)', period: 'quarterly', day: 1, anchor: '2024-01-10T00:00:00.000Z', at: '2024-05-20T00:00:00.000Z', start: T('2024-04-01'), end: T('2024-07-01') },

  // --- quarterly, anchor in February (Feb/May/Aug/Nov): periods wrap the year ---------------
  { name: 'quarterly/15 Feb grid: exactly at Feb 15', period: 'quarterly', day: 15, anchor: '2024-02-20T00:00:00.000Z', at: T('2024-02-15'), start: T('2024-02-15'), end: T('2024-05-15') },
  { name: 'quarterly/15 Feb grid: 1ms before Feb 15 -> Nov..Feb', period: 'quarterly', day: 15, anchor: '2024-02-20T00:00:00.000Z', at: '2024-02-14T23:59:59.999Z', start: T('2023-11-15'), end: T('2024-02-15') },
  { name: 'quarterly/15 Feb grid: Dec 31 in a Nov..Feb period', period: 'quarterly', day: 15, anchor: '2024-02-20T00:00:00.000Z', at: '2024-12-31T23:59:59.999Z', start: T('2024-11-15'), end: T('2025-02-15') },
  { name: 'quarterly/15 Feb grid: Jan 1 in a Nov..Feb period', period: 'quarterly', day: 15, anchor: '2024-02-20T00:00:00.000Z', at: T('2025-01-01'), start: T('2024-11-15'), end: T('2025-02-15') },
  { name: 'quarterly/15 Feb grid: Feb 14 of the following year', period: 'quarterly', day: 15, anchor: '2024-02-20T00:00:00.000Z', at: '2025-02-14T23:59:59.999Z', start: T('2024-11-15'), end: T('2025-02-15') },
  { name: 'quarterly/15 Feb grid: Aug 15', period: 'quarterly', day: 15, anchor: '2024-02-20T00:00:00.000Z', at: T('2024-08-15'), start: T('2024-08-15'), end: T('2024-11-15') },
  { name: 'quarterly/15 Feb grid: Apr 30', period: 'quarterly', day: 15, anchor: '2024-02-20T00:00:00.000Z', at: '2024-04-30T23:59:59.999Z', start: T('2024-02-15'), end: T('2024-05-15') },

  // --- quarterly, anchor in November (Nov/Feb/May/Aug) -------------------------------------
  { name: 'quarterly/28 Nov grid: exactly at Feb 28', period: 'quarterly', day: 28, anchor: '2023-11-05T00:00:00.000Z', at: T('2024-02-28'), start: T('2024-02-28'), end: T('2024-05-28') },
  { name: 'quarterly/28 Nov grid: 1ms before Feb 28', period: 'quarterly', day: 28, anchor: '2023-11-05T00:00:00.000Z', at: '2024-02-27T23:59:59.999Z', start: T('2023-11-28'), end: T('2024-02-28') },
  { name: 'quarterly/28 Nov grid: Jan 31', period: 'quarterly', day: 28, anchor: '2023-11-05T00:00:00.000Z', at: '2024-01-31T12:00:00.000Z', start: T('2023-11-28'), end: T('2024-02-28') },
  { name: 'quarterly/28 Nov grid: Dec 31', period: 'quarterly', day: 28, anchor: '2023-11-05T00:00:00.000Z', at: '2023-12-31T23:59:59.999Z', start: T('2023-11-28'), end: T('2024-02-28') },
  { name: 'quarterly/28 Nov grid: before the anchor day in the anchor month', period: 'quarterly', day: 28, anchor: '2023-11-05T00:00:00.000Z', at: '2023-11-27T23:59:59.999Z', start: T('2023-08-28'), end: T('2023-11-28') },
  { name: 'quarterly/28 Nov grid: Nov 28 a year later', period: 'quarterly', day: 28, anchor: '2023-11-05T00:00:00.000Z', at: T('2024-11-28'), start: T('2024-11-28'), end: T('2025-02-28') },
  { name: 'quarterly/28 Nov grid: 2100-02-28 (grid month, non-leap year)', period: 'quarterly', day: 28, anchor: '2023-11-05T00:00:00.000Z', at: T('2100-02-28'), start: T('2100-02-28'), end: T('2100-05-28') },

  // --- annually ----------------------------------------------------------------------------
  { name: 'annually/1 June anchor: exactly at Jun 1', period: 'annually', day: 1, anchor: '2024-06-20T00:00:00.000Z', at: T('2024-06-01'), start: T('2024-06-01'), end: T('2025-06-01') },
  { name: 'annually/1 June anchor: 1ms before Jun 1', period: 'annually', day: 1, anchor: '2024-06-20T00:00:00.000Z', at: '2024-05-31T23:59:59.999Z', start: T('2023-06-01'), end: T('2024-06-01') },
  { name: 'annually/1 June anchor: Dec 31', period: 'annually', day: 1, anchor: '2024-06-20T00:00:00.000Z', at: '2024-12-31T23:59:59.999Z', start: T('2024-06-01'), end: T('2025-06-01') },
  { name: 'annually/1 June anchor: Jan 1 does not start a period', period: 'annually', day: 1, anchor: '2024-06-20T00:00:00.000Z', at: T('2025-01-01'), start: T('2024-06-01'), end: T('2025-06-01') },
  { name: 'annually/1 June anchor: next Jun 1', period: 'annually', day: 1, anchor: '2024-06-20T00:00:00.000Z', at: T('2025-06-01'), start: T('2025-06-01'), end: T('2026-06-01') },
  { name: 'annually/15 June anchor: 1ms before Jun 15', period: 'annually', day: 15, anchor: '2024-06-20T00:00:00.000Z', at: '2024-06-14T23:59:59.999Z', start: T('2023-06-15'), end: T('2024-06-15') },
  { name: 'annually/15 June anchor: exactly Jun 15', period: 'annually', day: 15, anchor: '2024-06-20T00:00:00.000Z', at: T('2024-06-15'), start: T('2024-06-15'), end: T('2025-06-15') },
  { name: 'annually/1 Jan anchor: Dec 31 -> next year', period: 'annually', day: 1, anchor: T('2024-01-01'), at: '2024-12-31T23:59:59.999Z', start: T('2024-01-01'), end: T('2025-01-01') },
  { name: 'annually/1 Jan anchor: Jan 1', period: 'annually', day: 1, anchor: T('2024-01-01'), at: T('2025-01-01'), start: T('2025-01-01'), end: T('2026-01-01') },
  { name: 'annually/28 Feb anchor: leap Feb 29', period: 'annually', day: 28, anchor: '2024-02-29T12:00:00.000Z', at: T('2024-02-29'), start: T('2024-02-28'), end: T('2025-02-28') },
  { name: 'annually/28 Feb anchor: 2028 leap Feb 29', period: 'annually', day: 28, anchor: '2024-02-29T12:00:00.000Z', at: T('2028-02-29'), start: T('2028-02-28'), end: T('2029-02-28') },
  { name: 'annually/28 Feb anchor: 2100-02-28', period: 'annually', day: 28, anchor: '2024-02-29T12:00:00.000Z', at: T('2100-02-28'), start: T('2100-02-28'), end: T('2101-02-28') },
  { name: 'annually/28 Feb anchor: 2100-02-27 last ms', period: 'annually', day: 28, anchor: '2024-02-29T12:00:00.000Z', at: '2100-02-27T23:59:59.999Z', start: T('2099-02-28'), end: T('2100-02-28') },

  // --- instants before the anchor: negative offsets still align to the anchor's grid -------
  { name: 'before anchor: monthly', period: 'monthly', day: 1, anchor: T('2100-01-01'), at: '1999-12-31T23:59:59.999Z', start: T('1999-12-01'), end: T('2000-01-01') },
  { name: 'before anchor: quarterly May grid, years earlier', period: 'quarterly', day: 1, anchor: '2025-05-10T00:00:00.000Z', at: '2020-01-15T00:00:00.000Z', start: T('2019-11-01'), end: T('2020-02-01') },
  { name: 'before anchor: quarterly Nov grid, the month before the anchor', period: 'quarterly', day: 15, anchor: T('2024-11-01'), at: '2024-10-31T00:00:00.000Z', start: T('2024-08-15'), end: T('2024-11-15') },
  { name: 'before anchor: quarterly Nov grid, 1ms before a grid start', period: 'quarterly', day: 15, anchor: T('2024-11-01'), at: '2024-08-14T23:59:59.999Z', start: T('2024-05-15'), end: T('2024-08-15') },
  { name: 'before anchor: annually Sep grid', period: 'annually', day: 10, anchor: '2030-09-03T00:00:00.000Z', at: '2024-03-05T00:00:00.000Z', start: T('2023-09-10'), end: T('2024-09-10') },
  { name: 'before anchor: annually June grid, years earlier', period: 'annually', day: 1, anchor: '2024-06-20T00:00:00.000Z', at: '2020-01-10T00:00:00.000Z', start: T('2019-06-01'), end: T('2020-06-01') },
  { name: 'before anchor: annually, exactly at a grid start', period: 'annually', day: 1, anchor: '2024-06-20T00:00:00.000Z', at: T('2021-06-01'), start: T('2021-06-01'), end: T('2022-06-01') },
];

describe('periodContaining', () => {
  it.each(cases)('$name', ({ period, day, anchor, at, start, end }) => {
    expect(iso(periodContaining(new Date(at), cycle(period, day, anchor)))).toEqual({ start, end });
  });

  it('does not mutate its inputs', () => {
    const at = new Date('2024-05-10T08:00:00.000Z');
    const c = cycle('quarterly', 15, '2024-02-20T00:00:00.000Z');
    periodContaining(at, c);
    expect(at.toISOString()).toBe('2024-05-10T08:00:00.000Z');
    expect(c.anchor.toISOString()).toBe('2024-02-20T00:00:00.000Z');
  });
});

describe('nextPeriod', () => {
  it.each([
    {
      name: 'monthly/28 across the year end',
      c: cycle('monthly', 28, T('2024-01-01')),
      from: { start: T('2024-12-28'), end: T('2025-01-28') },
      next: { start: T('2025-01-28'), end: T('2025-02-28') },
    },
    {
      name: 'monthly/1 into a leap February',
      c: cycle('monthly', 1, T('2024-01-01')),
      from: { start: T('2024-01-01'), end: T('2024-02-01') },
      next: { start: T('2024-02-01'), end: T('2024-03-01') },
    },
    {
      name: 'quarterly/15 Feb grid: Nov..Feb -> Feb..May',
      c: cycle('quarterly', 15, '2024-02-20T00:00:00.000Z'),
      from: { start: T('2024-11-15'), end: T('2025-02-15') },
      next: { start: T('2025-02-15'), end: T('2025-05-15') },
    },
    {
      name: 'quarterly/28 Nov grid: Aug..Nov -> Nov..Feb',
      c: cycle('quarterly', 28, '2023-11-05T00:00:00.000Z'),
      from: { start: T('2024-08-28'), end: T('2024-11-28') },
      next: { start: T('2024-11-28'), end: T('2025-02-28') },
    },
    {
      name: 'annually/1 June grid',
      c: cycle('annually', 1, '2024-06-20T00:00:00.000Z'),
      from: { start: T('2024-06-01'), end: T('2025-06-01') },
      next: { start: T('2025-06-01'), end: T('2026-06-01') },
    },
  ])('$name', ({ c, from, next }) => {
    const period = { start: new Date(from.start), end: new Date(from.end) };
    expect(iso(nextPeriod(period, c))).toEqual(next);
  });

  it('twelve monthly steps tile a year without gaps or overlaps', () => {
    const c = cycle('monthly', 15, T('2024-01-01'));
    let period = periodContaining(new Date('2024-01-20T00:00:00.000Z'), c);
    const starts = [period.start.toISOString()];
    for (let i = 0; i < 12; i += 1) {
      const next = nextPeriod(period, c);
      expect(next.start.getTime()).toBe(period.end.getTime());
      period = next;
      starts.push(period.start.toISOString());
    }
    expect(starts[0]).toBe(T('2024-01-15'));
    expect(starts[12]).toBe(T('2025-01-15'));
    expect(new Set(starts).size).toBe(13);
  });
});

describe('periodContaining properties', () => {
  const monthIndex = (date: Date) => date.getUTCFullYear() * 12 + date.getUTCMonth();
  const dateIn = (min: string, max: string) =>
    fc.date({ min: new Date(min), max: new Date(max), noInvalidDate: true });

  it('contains the instant, starts on the billing day at midnight UTC, spans the period length, aligns to the anchor', () => {
    fc.assert(
      fc.property(
        dateIn('1990-01-01T00:00:00.000Z', '2200-12-31T23:59:59.999Z'),
        fc.constantFrom(...BILLING_PERIODS),
        fc.integer({ min: 1, max: 28 }),
        dateIn('1990-01-01T00:00:00.000Z', '2200-12-31T23:59:59.999Z'),
        (at, period, dayOfMonth, anchor) => {
          const c: BillingCycle = { period, dayOfMonth, anchor };
          const { start, end } = periodContaining(at, c);
          const length = MONTHS_PER_PERIOD[period];

          expect(start.getTime()).toBeLessThanOrEqual(at.getTime());
          expect(at.getTime()).toBeLessThan(end.getTime());

          for (const bound of [start, end]) {
            expect(bound.getUTCDate()).toBe(dayOfMonth);
            expect(bound.getUTCHours()).toBe(0);
            expect(bound.getUTCMinutes()).toBe(0);
            expect(bound.getUTCSeconds()).toBe(0);
            expect(bound.getUTCMilliseconds()).toBe(0);
          }

          expect(monthIndex(end) - monthIndex(start)).toBe(length);
          expect((((monthIndex(start) - monthIndex(anchor)) % length) + length) % length).toBe(0);

          const next = nextPeriod({ start, end }, c);
          expect(next.start.getTime()).toBe(end.getTime());
          expect(monthIndex(next.end) - monthIndex(next.start)).toBe(length);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('every instant of a period maps back to that same period', () => {
    fc.assert(
      fc.property(
        dateIn('1990-01-01T00:00:00.000Z', '2200-12-31T23:59:59.999Z'),
        fc.constantFrom(...BILLING_PERIODS),
        fc.integer({ min: 1, max: 28 }),
        dateIn('1990-01-01T00:00:00.000Z', '2200-12-31T23:59:59.999Z'),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (at, period, dayOfMonth, anchor, fraction) => {
          const c: BillingCycle = { period, dayOfMonth, anchor };
          const p = periodContaining(at, c);
          const span = p.end.getTime() - p.start.getTime();
          const inside = new Date(p.start.getTime() + Math.floor(fraction * span));
          expect(iso(periodContaining(inside, c))).toEqual(iso(p));
          expect(iso(periodContaining(p.start, c))).toEqual(iso(p));
          expect(iso(periodContaining(new Date(p.end.getTime() - 1), c))).toEqual(iso(p));
          // One millisecond before the start is the previous period, which ends where this one starts.
          expect(periodContaining(new Date(p.start.getTime() - 1), c).end.getTime()).toBe(
            p.start.getTime(),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('billing period schemas', () => {
  it.each([
    ['monthly', 'monthly'],
    ['quarterly', 'quarterly'],
    ['annually', 'annually'],
    ['annual', 'annually'],
  ] as const)('billingPeriodInputSchema accepts %s as %s', (input, output) => {
    expect(billingPeriodInputSchema.parse(input)).toBe(output);
  });

  it.each(['weekly', 'yearly', 'Annual', 'MONTHLY', '', ' monthly'])(
    'billingPeriodInputSchema rejects %j',
    (input) => {
      expect(billingPeriodInputSchema.safeParse(input).success).toBe(false);
    },
  );

  it('billingPeriodSchema (the canonical output) does not accept the alias', () => {
    expect(billingPeriodSchema.safeParse('annual').success).toBe(false);
    expect(billingPeriodSchema.safeParse('annually').success).toBe(true);
  });

  it.each([1, 15, 28])('billingDayOfMonthSchema accepts %d', (day) => {
    expect(billingDayOfMonthSchema.parse(day)).toBe(day);
  });

  it.each([0, -1, 29, 31, 1.5, Number.NaN])('billingDayOfMonthSchema rejects %d', (day) => {
    expect(billingDayOfMonthSchema.safeParse(day).success).toBe(false);
  });

  it('MONTHS_PER_PERIOD', () => {
    expect(MONTHS_PER_PERIOD).toEqual({ monthly: 1, quarterly: 3, annually: 12 });
  });
});
