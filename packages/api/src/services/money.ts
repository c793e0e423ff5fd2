import { Decimal } from 'decimal.js';
import { CURRENCY_DIGITS, type Currency } from '@allot/domain';

/**
 * Exact money arithmetic. Every amount is a `Decimal` (never a JavaScript number) from a decimal
 * string or an integer count of minor units, and leaves as a string with exactly its currency's
 * minor digits. Rounding is half-even (banker's rounding), to the minor unit, once per line and
 * once for an invoice's tax, as the billing guides do.
 */
const Money = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });
export type Amount = InstanceType<typeof Money>;

export const decimal = (value: string | number | Amount): Amount => new Money(value);

/** Rounds half-even to the currency's minor unit. */
export const roundToMinor = (value: Amount, currency: Currency): Amount =>
  value.toDecimalPlaces(CURRENCY_DIGITS[currency], Money.ROUND_HALF_EVEN);

/** The API's form of an amount: exactly the currency's minor digits ("150.00", "150", "150.000"). */
export const formatAmount = (value: Amount, currency: Currency): string =>
  roundToMinor(value, currency).toFixed(CURRENCY_DIGITS[currency]);

/** `units` minor units as an amount: 5000 USD cents are 50.00. */
export const fromMinorUnits = (units: number, currency: Currency): Amount =>
  new Money(units).div(new Money(10).pow(CURRENCY_DIGITS[currency]));

/** An amount as a whole number of minor units; the amount must have no finer digits. */
export function toMinorUnits(value: Amount, currency: Currency): number {
  const units = value.mul(new Money(10).pow(CURRENCY_DIGITS[currency]));
  if (!units.isInteger())
    throw new Error(`${value.toString()} is finer than ${currency}'s minor unit`);
  return units.toNumber();
}
