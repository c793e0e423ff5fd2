import { describe, expect, it } from 'vitest';
import { isoDateSchema, type RuleResult } from './common.ts';
import {
  dateRangeInput,
  resolveDateRange,
  type DateRange,
  type DateRangeInput,
} from './reports.ts';

const shape = (result: RuleResult<DateRange>) =>
  result.ok
    ? {
        ok: true as const,
        startDate: result.value.startDate,
        endDate: result.value.endDate,
        from: result.value.from.toISOString(),
        until: result.value.until.toISOString(),
      }
    : { ok: false as const, code: result.violation.code };

describe('resolveDateRange', () => {
  // prettier-ignore
  it.each([
    // defaults: the first of the current month (UTC) through today (UTC), both inclusive
    { name: 'defaults mid-month', input: {}, now: '2025-03-15T12:34:56.789Z', expected: { ok: true, startDate: '2025-03-01', endDate: '2025-03-15', from: '2025-03-01T00:00:00.000Z', until: '2025-03-16T00:00:00.000Z' } },
    { name: 'defaults on the first of the month: a single day', input: {}, now: '2025-03-01T00:00:00.000Z', expected: { ok: true, startDate: '2025-03-01', endDate: '2025-03-01', from: '2025-03-01T00:00:00.000Z', until: '2025-03-02T00:00:00.000Z' } },
    { name: 'defaults on the last ms of a month', input: {}, now: '2025-03-31T23:59:59.999Z', expected: { ok: true, startDate: '2025-03-01', endDate: '2025-03-31', from: '2025-03-01T00:00:00.000Z', until: '2025-04-01T00:00:00.000Z' } },
    { name: 'defaults use UTC, not a local offset (already April in +02:00)', input: {}, now: '2025-04-01T01:00:00+02:00', expected: { ok: true, startDate: '2025-03-01', endDate: '2025-03-31', from: '2025-03-01T00:00:00.000Z', until: '2025-04-01T00:00:00.000Z' } },
    { name: 'defaults on Dec 31: until crosses the year', input: {}, now: '2024-12-31T18:00:00.000Z', expected: { ok: true, startDate: '2024-12-01', endDate: '2024-12-31', from: '2024-12-01T00:00:00.000Z', until: '2025-01-01T00:00:00.000Z' } },
    { name: 'defaults on a leap day', input: {}, now: '2024-02-29T09:00:00.000Z', expected: { ok: true, startDate: '2024-02-01', endDate: '2024-02-29', from: '2024-02-01T00:00:00.000Z', until: '2024-03-01T00:00:00.000Z' } },
    // explicit ranges
    { name: 'explicit range over a leap February', input: { startDate: '2024-02-01', endDate: '2024-02-29' }, now: '2025-06-10T00:00:00.000Z', expected: { ok: true, startDate: '2024-02-01', endDate: '2024-02-29', from: '2024-02-01T00:00:00.000Z', until: '2024-03-01T00:00:00.000Z' } },
    { name: 'explicit range ending Feb 28 of a common year', input: { startDate: '2023-01-15', endDate: '2023-02-28' }, now: '2025-06-10T00:00:00.000Z', expected: { ok: true, startDate: '2023-01-15', endDate: '2023-02-28', from: '2023-01-15T00:00:00.000Z', until: '2023-03-01T00:00:00.000Z' } },
    { name: 'explicit range ending Dec 31', input: { startDate: '2024-01-01', endDate: '2024-12-31' }, now: '2025-06-10T00:00:00.000Z', expected: { ok: true, startDate: '2024-01-01', endDate: '2024-12-31', from: '2024-01-01T00:00:00.000Z', until: '2025-01-01T00:00:00.000Z' } },
    { name: 'same start and end day is one whole day', input: { startDate: '2024-07-04', endDate: '2024-07-04' }, now: '2025-06-10T00:00:00.000Z', expected: { ok: true, startDate: '2024-07-04', endDate: '2024-07-04', from: '2024-07-04T00:00:00.000Z', until: '2024-07-05T00:00:00.000Z' } },
    { name: 'start one day after end is refused', input: { startDate: '2024-07-05', endDate: '2024-07-04' }, now: '2025-06-10T00:00:00.000Z', expected: { ok: false, code: 'invalid_date_range' } },
    { name: 'start a year after end is refused', input: { startDate: '2025-01-01', endDate: '2024-12-31' }, now: '2025-06-10T00:00:00.000Z', expected: { ok: false, code: 'invalid_date_range' } },
    // one side given
    { name: 'only startDate: endDate is today', input: { startDate: '2025-01-10' }, now: '2025-03-15T12:00:00.000Z', expected: { ok: true, startDate: '2025-01-10', endDate: '2025-03-15', from: '2025-01-10T00:00:00.000Z', until: '2025-03-16T00:00:00.000Z' } },
    { name: 'only endDate within the current month: startDate is the first', input: { endDate: '2025-03-20' }, now: '2025-03-15T12:00:00.000Z', expected: { ok: true, startDate: '2025-03-01', endDate: '2025-03-20', from: '2025-03-01T00:00:00.000Z', until: '2025-03-21T00:00:00.000Z' } },
  ] satisfies { name: string; input: DateRangeInput; now: string; expected: ReturnType<typeof shape> }[])(
    '$name',
    ({ input, now, expected }) => {
      expect(shape(resolveDateRange(input, new Date(now)))).toEqual(expected);
    },
  );

  it('covers whole days: until - from is a multiple of 24h', () => {
    const result = resolveDateRange({ startDate: '2024-03-01', endDate: '2024-03-31' }, new Date());
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.value.until.getTime() - result.value.from.getTime()).toBe(31 * 86_400_000);
    }
  });
});

describe('isoDateSchema', () => {
  it.each([
    '2024-02-29',
    '2000-02-29',
    '2028-02-29',
    '2023-02-28',
    '2024-12-31',
    '2025-04-30',
    '1999-01-01',
  ])('accepts %s', (value) => {
    expect(isoDateSchema.parse(value)).toBe(value);
  });

  it.each([
    '2025-02-30',
    '2023-02-29',
    '2100-02-29',
    '1900-02-29',
    '2025-04-31',
    '2025-06-31',
    '2025-13-01',
    '2025-00-10',
    '2025-01-00',
    '2025-01-32',
    '2024-1-05',
    '2024-01-5',
    '24-01-05',
    '2024/01/05',
    '2024-01-05T00:00:00Z',
    ' 2024-01-05',
    '',
  ])('rejects %j', (value) => {
    expect(isoDateSchema.safeParse(value).success).toBe(false);
  });
});

describe('dateRangeInput', () => {
  it('accepts an empty object and both dates', () => {
    expect(dateRangeInput.parse({})).toEqual({});
    expect(dateRangeInput.parse({ startDate: '2024-01-01', endDate: '2024-01-31' })).toEqual({
      startDate: '2024-01-01',
      endDate: '2024-01-31',
    });
  });

  it.each([
    { startDate: '2024-02-30' },
    { endDate: '2023-02-29' },
    { startDate: '2024-01-01', until: '2024-02-01' },
    { startDate: 20240101 },
  ])('rejects %j', (input) => {
    expect(dateRangeInput.safeParse(input).success).toBe(false);
  });
});
