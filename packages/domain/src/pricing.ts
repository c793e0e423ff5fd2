import { z } from 'zod';
import { idSchema, isoDateTimeSchema } from './common.ts';
import {
  currencySchema,
  DEFAULT_PAYMENT_TERMS_DAYS,
  paymentTermsSchema,
  taxRateSchema,
  unitPriceSchema,
} from './money.ts';

/**
 * What the operator charges a partner, by its billing mode: the pool in advance per pool credit
 * (`credit_pool`), its organizations' consumption in arrears (`usage_based`: within allowance
 * and past it; `external`: all of it). A price left out is not billed; a partner without
 * pricing gets no invoices. A change applies to what is billed after it.
 */
/** The terms every issuer's prices carry: when an invoice falls due, and its tax. */
export const invoiceTermsFields = {
  paymentTermsDays: paymentTermsSchema
    .default(DEFAULT_PAYMENT_TERMS_DAYS)
    .describe(`Days from issue to due date (default ${DEFAULT_PAYMENT_TERMS_DAYS})`),
  taxRate: taxRateSchema.default('0').describe('Tax on each invoice\'s subtotal (default "0")'),
};

export const setPartnerPricingInput = z.strictObject({
  partnerId: idSchema,
  currency: currencySchema,
  poolUnitPrice: unitPriceSchema
    .nullable()
    .optional()
    .describe('credit_pool: per pool credit, billed in advance at each pool period start'),
  usageUnitPrice: unitPriceSchema
    .nullable()
    .optional()
    .describe(
      'usage_based: per credit consumed within the allowance; external: per credit consumed. In arrears',
    ),
  overageUnitPrice: unitPriceSchema
    .nullable()
    .optional()
    .describe('usage_based: per overage credit, in arrears (default usageUnitPrice)'),
  ...invoiceTermsFields,
});
export type SetPartnerPricingInput = z.infer<typeof setPartnerPricingInput>;

export const partnerPricingSchema = z.object({
  currency: currencySchema,
  poolUnitPrice: unitPriceSchema.nullable(),
  usageUnitPrice: unitPriceSchema.nullable(),
  overageUnitPrice: unitPriceSchema
    .nullable()
    .describe('null: overage is billed at usageUnitPrice'),
  paymentTermsDays: paymentTermsSchema,
  taxRate: taxRateSchema,
  updatedAt: isoDateTimeSchema,
});
export type PartnerPricing = z.infer<typeof partnerPricingSchema>;

export const partnerPricingEnvelope = z.object({
  pricing: partnerPricingSchema
    .nullable()
    .describe('null: the partner is not priced, and nothing is billed to it'),
});
