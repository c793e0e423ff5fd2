// The admin app's money helpers: exact sums in minor units, and display that keeps every digit.
import { describe, expect, it } from 'vitest';
import {
  creditsAsMoney,
  formatMoney,
  formatRate,
  fromMinorUnits,
  toMinorUnits,
  totalsByCurrency,
} from '../src/money.ts';

describe('minor units', () => {
  it.each([
    ['150.25', 'USD', 15025n],
    ['0.05', 'USD', 5n],
    ['-12.30', 'EUR', -1230n],
    ['1200', 'JPY', 1200n],
    ['1.234', 'KWD', 1234n],
    ['3.1', 'USD', 310n],
    ['7.500', 'USD', 750n],
    ['92233720368547758.07', 'USD', 9223372036854775807n],
  ] as const)('%s %s is %s', (amount, currency, units) => {
    expect(toMinorUnits(amount, currency)).toBe(units);
  });

  it.each([
    [15025n, 'USD', '150.25'],
    [5n, 'USD', '0.05'],
    [-1230n, 'EUR', '-12.30'],
    [0n, 'USD', '0.00'],
    [1200n, 'JPY', '1200'],
    [1234n, 'KWD', '1.234'],
  ] as const)('%s %s is %s', (units, currency, amount) => {
    expect(fromMinorUnits(units, currency)).toBe(amount);
  });

  it('refuses what is not an amount, or finer than the minor unit', () => {
    expect(() => toMinorUnits('1.005', 'USD')).toThrow(/finer/);
    expect(() => toMinorUnits('1e3', 'USD')).toThrow(/Not an amount/);
    expect(() => toMinorUnits('', 'USD')).toThrow(/Not an amount/);
  });
});

describe('totals per currency', () => {
  it('sums exactly where floats would not, one total per currency', () => {
    expect(
      totalsByCurrency([
        { currency: 'USD', amount: '0.10' },
        { currency: 'EUR', amount: '5.00' },
        { currency: 'USD', amount: '0.20' },
        { currency: 'USD', amount: '90071992547409.93' },
        { currency: 'JPY', amount: '300' },
      ]),
    ).toEqual([
      { currency: 'EUR', amount: '5.00' },
      { currency: 'JPY', amount: '300' },
      { currency: 'USD', amount: '90071992547410.23' },
    ]);
    expect(totalsByCurrency([])).toEqual([]);
  });
});

describe('display', () => {
  it('shows the string digit for digit, in its currency', () => {
    expect(formatMoney('150.00', 'USD')).toBe('$150.00');
    expect(formatMoney('-20.00', 'USD')).toBe('-$20.00');
    expect(formatMoney('1200', 'JPY')).toBe('¥1,200');
    expect(formatMoney('1.234', 'KWD')).toMatch(/^KWD\s1\.234$/);
    expect(formatMoney('0.0125', 'USD')).toBe('$0.0125');
    // Past what a double holds: every digit survives.
    expect(formatMoney('90071992547410.23', 'USD')).toBe('$90,071,992,547,410.23');
    expect(formatMoney('12.5', 'XYZ')).toMatch(/^XYZ\s12\.5$/);
    expect(formatMoney('12.5', 'U$')).toBe('U$ 12.5');
  });

  it('shows credits of a monetary type as money, and rates as percentages', () => {
    expect(creditsAsMoney(5000, 'USD')).toBe('$50.00');
    expect(creditsAsMoney(0, 'USD')).toBe('$0.00');
    expect(formatRate('0.2')).toBe('20%');
    expect(formatRate('0.075')).toBe('7.5%');
    expect(formatRate('0')).toBe('0%');
  });
});
