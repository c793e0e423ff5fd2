import { CURRENCY_DIGITS, type Currency } from '@allot/domain';
import { data as iso4217 } from 'currency-codes';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimal, formatAmount, fromMinorUnits, roundToMinor, toMinorUnits } from './money.ts';

describe('currencies', () => {
  it("are ISO 4217's money, with ISO's minor digits", () => {
    const notMoney = new Set(['XAG', 'XAU', 'XBA', 'XBB', 'XBC', 'XBD', 'XDR', 'XPD', 'XPT']);
    for (const code of ['XSU', 'XTS', 'XUA', 'XXX']) notMoney.add(code);
    const expected = Object.fromEntries(
      iso4217.filter((c) => !notMoney.has(c.code)).map((c) => [c.code, c.digits]),
    );
    expect(CURRENCY_DIGITS).toEqual(expected);
    expect([CURRENCY_DIGITS.USD, CURRENCY_DIGITS.JPY, CURRENCY_DIGITS.KWD]).toEqual([2, 0, 3]);
  });
});

describe('amounts', () => {
  it('answer exactly the minor digits of their currency', () => {
    expect(formatAmount(decimal('150'), 'USD')).toBe('150.00');
    expect(formatAmount(decimal('150'), 'JPY')).toBe('150');
    expect(formatAmount(decimal('150'), 'KWD')).toBe('150.000');
    expect(formatAmount(decimal('0'), 'EUR')).toBe('0.00');
  });

  it("subtract credits as the billing guide's example: $150.00 less $50.00 is $100.00", () => {
    const subtotal = decimal('150.00');
    const credit = fromMinorUnits(5000, 'USD');
    expect(formatAmount(credit, 'USD')).toBe('50.00');
    expect(formatAmount(subtotal.minus(credit), 'USD')).toBe('100.00');
  });

  it('round half to even at the minor unit', () => {
    const cases: [string, Currency, string][] = [
      ['0.125', 'USD', '0.12'],
      ['0.135', 'USD', '0.14'],
      ['0.1251', 'USD', '0.13'],
      ['2.5', 'JPY', '2'],
      ['3.5', 'JPY', '4'],
      ['1.0005', 'KWD', '1.000'],
      ['-0.125', 'USD', '-0.12'],
    ];
    for (const [value, currency, rounded] of cases)
      expect(formatAmount(decimal(value), currency), `${value} ${currency}`).toBe(rounded);
  });

  it('are exact where a float is not: 0.1 + 0.2 is 0.3, and a quantity times a fine price', () => {
    expect(decimal('0.1').plus(decimal('0.2')).toString()).toBe('0.3');
    expect(formatAmount(decimal('1234567').mul(decimal('0.0125')), 'USD')).toBe('15432.09');
  });

  it('convert to minor units and back without loss', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000_000_000 }),
        fc.constantFrom<Currency>('USD', 'JPY', 'KWD', 'CLF'),
        (units, currency) => {
          const amount = fromMinorUnits(units, currency);
          expect(toMinorUnits(amount, currency)).toBe(units);
          expect(roundToMinor(amount, currency).eq(amount)).toBe(true);
        },
      ),
    );
    expect(() => toMinorUnits(decimal('0.125'), 'USD')).toThrow(/minor unit/);
  });
});
