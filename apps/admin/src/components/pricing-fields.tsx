import { CURRENCIES, DEFAULT_PAYMENT_TERMS_DAYS, PAYMENT_TERMS_DAYS } from '@allot/domain';
import { formatMoney, formatRate } from '../money.ts';
import { SelectField, TextField } from './field.tsx';

// The prices a partner charges its organizations, as form fields: its defaults on the Pricing
// screen, an organization's override in its Billing tab (where empty inherits the default).

export const PRICE_FIELDS = ['periodFee', 'overageUnitPrice', 'creditUnitPrice'] as const;
export type PriceField = (typeof PRICE_FIELDS)[number];

export type PricingValues = Record<
  'currency' | PriceField | 'paymentTermsDays' | 'taxRate',
  string
>;

export interface Prices {
  currency: string;
  periodFee: string | null;
  overageUnitPrice: string | null;
  creditUnitPrice: string | null;
  paymentTermsDays: number;
  taxRate: string;
}

const LABELS: Record<PriceField, { label: string; hint: string }> = {
  periodFee: {
    label: 'Fee per billing period',
    hint: "Billed in advance at each of the organization's period starts; covers its allowance.",
  },
  overageUnitPrice: {
    label: 'Price per overage credit',
    hint: 'usage_based only: per credit consumed past the allowance, billed at period end.',
  },
  creditUnitPrice: {
    label: 'Price per purchased credit',
    hint: 'For an invoiced purchase without a cost basis, and auto top-ups without a price.',
  },
};

/** The form's strings from prices (or an override's nullable fields): empty where unset. */
export function pricingValues(prices: Partial<Record<keyof Prices, string | number | null>>) {
  const shown = (value: string | number | null | undefined) =>
    value === null || value === undefined ? '' : String(value);
  return {
    currency: shown(prices.currency),
    periodFee: shown(prices.periodFee),
    overageUnitPrice: shown(prices.overageUnitPrice),
    creditUnitPrice: shown(prices.creditUnitPrice),
    paymentTermsDays: shown(prices.paymentTermsDays),
    taxRate: shown(prices.taxRate),
  };
}

/** The input for the API: empty is null (not billed, or inherited), text as typed. */
export function pricingInput(values: PricingValues) {
  const orNull = (value: string) => (value.trim() === '' ? null : value.trim());
  return {
    currency: orNull(values.currency),
    periodFee: orNull(values.periodFee),
    overageUnitPrice: orNull(values.overageUnitPrice),
    creditUnitPrice: orNull(values.creditUnitPrice),
    paymentTermsDays: values.paymentTermsDays === '' ? null : Number(values.paymentTermsDays),
    taxRate: orNull(values.taxRate),
  };
}

interface Props {
  values: PricingValues;
  errors: Record<string, string>;
  set: (name: keyof PricingValues) => (value: string) => void;
  /** An override's fields: each empty one inherits these (the partner's defaults). */
  inherited?: Prices | null;
}

export function PricingFields({ values, errors, set, inherited }: Props) {
  const override = inherited !== undefined;
  const currency = values.currency || inherited?.currency || 'USD';
  const inheritedPrice = (field: PriceField) => {
    const price = inherited?.[field];
    if (!override) return 'Empty: not billed.';
    if (!inherited) return 'Empty: not billed (no default prices are set).';
    if (values.currency && values.currency !== inherited.currency)
      return `Empty: not billed (the default is in ${inherited.currency}).`;
    return price === null || price === undefined
      ? 'Empty: inherits the default, which bills nothing.'
      : `Empty: inherits the default, ${formatMoney(price, inherited.currency)}.`;
  };
  return (
    <>
      <div className="grid-2">
        <SelectField
          label="Currency"
          value={values.currency}
          onChange={set('currency')}
          error={errors.currency}
          options={[
            ...(override
              ? [{ value: '', label: `Default (${inherited?.currency ?? 'none set'})` }]
              : []),
            ...CURRENCIES,
          ]}
          hint={override ? 'Another currency than the default inherits no price.' : undefined}
        />
        <SelectField
          label="Payment terms"
          value={values.paymentTermsDays}
          onChange={set('paymentTermsDays')}
          error={errors.paymentTermsDays}
          options={[
            ...(override
              ? [
                  {
                    value: '',
                    label: `Default (${inherited?.paymentTermsDays ?? DEFAULT_PAYMENT_TERMS_DAYS} days)`,
                  },
                ]
              : []),
            ...PAYMENT_TERMS_DAYS.map((days) => ({
              value: String(days),
              label: days === 0 ? 'Due on issue' : `${days} days`,
            })),
          ]}
        />
        {PRICE_FIELDS.map((field) => (
          <TextField
            key={field}
            label={`${LABELS[field].label} (${currency})`}
            inputMode="decimal"
            value={values[field]}
            onChange={set(field)}
            error={errors[field]}
            placeholder={(override ? inherited?.[field] : null) ?? '0.00'}
            hint={
              <>
                {LABELS[field].hint} {inheritedPrice(field)}
              </>
            }
          />
        ))}
        <TextField
          label="Tax rate"
          inputMode="decimal"
          value={values.taxRate}
          onChange={set('taxRate')}
          error={errors.taxRate}
          placeholder={override ? inherited?.taxRate : '0'}
          hint={
            override && values.taxRate === ''
              ? `A fraction: 0.2 is 20%. Empty: inherits ${inherited ? formatRate(inherited.taxRate) : 'nothing'}.`
              : `A fraction: 0.2 is 20%.${values.taxRate ? ` Now ${formatRate(values.taxRate)}.` : ''}`
          }
        />
      </div>
    </>
  );
}
