import { CURRENCY_DIGITS, type Currency } from '@allot/domain';

// Money as the API answers it: decimal strings with the currency's minor digits ("150.00").
// Nothing here turns an amount into a JavaScript number: sums are taken in whole minor units as
// BigInt, and display hands the string itself to Intl, which formats it digit for digit.

const AMOUNT = /^(-?)(\d+)(?:\.(\d+))?$/;

/** "150.25" USD as 15025n: exact, for any size. An amount finer than the minor unit throws. */
export function toMinorUnits(amount: string, currency: Currency): bigint {
  const match = AMOUNT.exec(amount);
  if (!match) throw new Error(`Not an amount: ${amount}`);
  const [, sign, whole = '', fraction = ''] = match;
  const digits = CURRENCY_DIGITS[currency];
  if (/[^0]/.test(fraction.slice(digits)))
    throw new Error(`${amount} is finer than ${currency}'s minor unit`);
  const units = BigInt(whole + fraction.slice(0, digits).padEnd(digits, '0'));
  return sign ? -units : units;
}

/** 15025n USD as "150.25": the API's form, exactly the currency's minor digits. */
export function fromMinorUnits(units: bigint, currency: Currency): string {
  const digits = CURRENCY_DIGITS[currency];
  const negative = units < 0n;
  const text = (negative ? -units : units).toString().padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  return `${negative ? '-' : ''}${whole}${digits > 0 ? `.${text.slice(-digits)}` : ''}`;
}

export interface Money {
  currency: Currency;
  amount: string;
}

/** Amounts summed per currency (one total for each currency met, in code order). */
export function totalsByCurrency(items: readonly Money[]): Money[] {
  const sums = new Map<Currency, bigint>();
  for (const { currency, amount } of items)
    sums.set(currency, (sums.get(currency) ?? 0n) + toMinorUnits(amount, currency));
  return [...sums]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, units]) => ({ currency, amount: fromMinorUnits(units, currency) }));
}

const isAmount = (value: string): value is `${number}` => AMOUNT.test(value);

/**
 * An amount in its currency ("$150.00", "€9.50", "¥1,200"), showing exactly the digits the
 * string has: Intl reads the string as a decimal, so nothing is rounded through a float. A
 * currency code Intl refuses is shown as it is, before the amount.
 */
export function formatMoney(amount: string, currency: string): string {
  if (!isAmount(amount)) return `${currency} ${amount}`;
  const digits = amount.split('.')[1]?.length ?? 0;
  try {
    return new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(amount);
  } catch {
    return `${currency} ${amount}`;
  }
}

/** A credit count of a monetary credit type (one credit, one minor unit) as money. */
export const creditsAsMoney = (credits: number, currency: Currency): string =>
  formatMoney(fromMinorUnits(BigInt(credits), currency), currency);

/** A tax rate as the API gives it ("0.2") as a percentage ("20%"), exactly. */
export function formatRate(rate: string): string {
  if (!isAmount(rate)) return rate;
  return new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 4 }).format(
    rate,
  );
}

/**
 * An amount as typed ("25", "25.00") in minor units, exactly, or why it is not one. A comma is
 * refused rather than guessed at: "25,00" is 25 in some places and 2,500 in others.
 */
export function parseAmount(
  text: string,
  currency: Currency,
): { ok: true; units: bigint } | { ok: false; error: string } {
  const amount = text.trim();
  const digits = CURRENCY_DIGITS[currency];
  const example = fromMinorUnits(2500n * 10n ** BigInt(digits), currency);
  if (!/^\d+(\.\d+)?$/.test(amount))
    return { ok: false, error: `An amount in ${currency}, e.g. ${example}` };
  try {
    return { ok: true, units: toMinorUnits(amount, currency) };
  } catch {
    return {
      ok: false,
      error:
        digits === 0
          ? `${currency} has no minor unit: a whole amount`
          : `At most ${digits} decimal places in ${currency}`,
    };
  }
}
