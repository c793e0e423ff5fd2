import { z } from 'zod';
import { idSchema, isoDateTimeSchema } from './common.ts';
import { text, withTextRule } from './text.ts';

/** Who an invoice is addressed to: shown on every invoice issued to the customer. */
const line = (max: number) => text().trim().min(1).max(max);

export const postalAddressSchema = z.strictObject({
  line1: line(200),
  line2: line(200).nullable().optional(),
  city: line(100),
  region: line(100).nullable().optional().describe('State, province or county'),
  postalCode: line(20).nullable().optional(),
  country: text()
    .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code, e.g. "DE"')
    .describe('ISO 3166-1 alpha-2'),
});

export const billingProfileFields = {
  legalName: line(200).describe('The name invoices are addressed to'),
  billingEmail: withTextRule(z.email()).max(320).describe('Where invoices are sent'),
  address: postalAddressSchema,
  taxId: line(50).nullable().optional().describe('VAT or other tax number'),
};

export const setPartnerBillingProfileInput = z.strictObject({
  partnerId: idSchema,
  ...billingProfileFields,
});
export type SetPartnerBillingProfileInput = z.infer<typeof setPartnerBillingProfileInput>;

/** An address as answered: every field present, the optional ones null. */
export const postalAddressOutput = z.object({
  line1: text(),
  line2: text().nullable(),
  city: text(),
  region: text().nullable(),
  postalCode: text().nullable(),
  country: text(),
});

export const billingProfileSchema = z.object({
  legalName: text(),
  billingEmail: text(),
  address: postalAddressOutput,
  taxId: text().nullable(),
  updatedAt: isoDateTimeSchema,
});
export type BillingProfile = z.infer<typeof billingProfileSchema>;

export const billingProfileEnvelope = z.object({
  billingProfile: billingProfileSchema.nullable().describe('null: none set yet'),
});
