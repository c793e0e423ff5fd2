import { z } from 'zod';
import { idSchema, isoDateTimeSchema } from './common.ts';
import { billingProfileFields } from './billing-profiles.ts';
import { currencySchema, paymentTermsSchema, taxRateSchema, unitPriceSchema } from './money.ts';
import { pageQueryFields } from './paging.ts';
import { invoiceTermsFields } from './pricing.ts';
import { grantSchema } from './credits.ts';
import { INVOICE_STATUSES, invoiceSchema } from './invoices.ts';
import { text, withTextRule } from './text.ts';

/**
 * A partner invoicing its organizations (its clients): its prices for them, their billing
 * profiles, and its brand on what they receive. The issuer is the partner; the customer one of
 * its organizations; the invoice engine is the operator's.
 *
 * What each price bills:
 * - `periodFee`: per billing period of the organization, in advance at each period start; it
 *   covers the period's allowance;
 * - `overageUnitPrice`: per credit consumed past the allowance (`usage_based` only), in arrears
 *   at each period end, per credit type;
 * - `creditUnitPrice`: per credit of a purchase (`invoice: true`) or an auto top-up that names
 *   no price of its own.
 * A price left out is not billed; credits granted free cost nothing. A price applies to the
 * periods that start after it was first set, and to usage from then on.
 */
export const clientPriceFields = {
  periodFee: unitPriceSchema
    .nullable()
    .optional()
    .describe('Per billing period of the organization, in advance; covers its allowance'),
  overageUnitPrice: unitPriceSchema
    .nullable()
    .optional()
    .describe('usage_based: per credit consumed past the allowance, in arrears at period end'),
  creditUnitPrice: unitPriceSchema
    .nullable()
    .optional()
    .describe('Per credit of a purchase or an auto top-up that names no price'),
};

export const setClientPricingInput = z.strictObject({
  currency: currencySchema,
  ...clientPriceFields,
  ...invoiceTermsFields,
});
export type SetClientPricingInput = z.infer<typeof setClientPricingInput>;

/** An organization's override: each field null (or left out) inherits the partner's default. */
export const setOrganizationPricingInput = z.strictObject({
  organizationId: idSchema,
  currency: currencySchema.nullable().optional().describe("null: the partner's default"),
  ...clientPriceFields,
  paymentTermsDays: paymentTermsSchema.nullable().optional(),
  taxRate: taxRateSchema.nullable().optional(),
});
export type SetOrganizationPricingInput = z.infer<typeof setOrganizationPricingInput>;

export const clientPricingSchema = z.object({
  currency: currencySchema,
  periodFee: unitPriceSchema.nullable(),
  overageUnitPrice: unitPriceSchema.nullable(),
  creditUnitPrice: unitPriceSchema.nullable(),
  paymentTermsDays: paymentTermsSchema,
  taxRate: taxRateSchema,
  updatedAt: isoDateTimeSchema,
});
export type ClientPricing = z.infer<typeof clientPricingSchema>;

export const clientPricingEnvelope = z.object({
  pricing: clientPricingSchema
    .nullable()
    .describe('null: no default prices; organizations without their own are not invoiced'),
});

export const organizationPricingOverrideSchema = z.object({
  currency: currencySchema.nullable(),
  periodFee: unitPriceSchema.nullable(),
  overageUnitPrice: unitPriceSchema.nullable(),
  creditUnitPrice: unitPriceSchema.nullable(),
  paymentTermsDays: paymentTermsSchema.nullable(),
  taxRate: taxRateSchema.nullable(),
  updatedAt: isoDateTimeSchema,
});

export const organizationPricingEnvelope = z.object({
  override: organizationPricingOverrideSchema
    .nullable()
    .describe("The organization's own prices; null fields inherit the partner's default"),
  pricing: clientPricingSchema
    .omit({ updatedAt: true })
    .nullable()
    .describe('What is billed: the override over the default; null when neither is set'),
});

export const setOrganizationBillingProfileInput = z.strictObject({
  organizationId: idSchema,
  ...billingProfileFields,
});
export type SetOrganizationBillingProfileInput = z.infer<typeof setOrganizationBillingProfileInput>;

export const INVOICE_PREFIX_PATTERN = /^[A-Z0-9][A-Z0-9_/-]{0,11}$/;

export const setBrandingInput = z.strictObject({
  displayName: text().trim().min(1).max(100).describe('The name clients see, as issuer'),
  logoUrl: withTextRule(z.url({ protocol: /^https$/ }))
    .max(2000)
    .nullable()
    .optional()
    .describe('An https URL of the logo'),
  primaryColor: text()
    .regex(/^#[0-9a-fA-F]{6}$/, 'a hex color, e.g. "#1f6feb"')
    .transform((color) => color.toLowerCase())
    .nullable()
    .optional(),
  invoicePrefix: text()
    .regex(INVOICE_PREFIX_PATTERN, 'up to 12 of A-Z, 0-9, "-", "_" and "/", e.g. "ACME-"')
    .describe('Printed before each client invoice number'),
  supportEmail: withTextRule(z.email()).max(320).nullable().optional(),
  footer: text().trim().min(1).max(500).nullable().optional().describe('Printed on every invoice'),
});
export type SetBrandingInput = z.infer<typeof setBrandingInput>;

export const brandingSchema = z.object({
  displayName: text(),
  logoUrl: text().nullable(),
  primaryColor: text().nullable(),
  invoicePrefix: text(),
  supportEmail: text().nullable(),
  footer: text().nullable(),
  updatedAt: isoDateTimeSchema,
});
export type Branding = z.infer<typeof brandingSchema>;
export const brandingEnvelope = z.object({
  branding: brandingSchema.nullable().describe('null: none set; invoices use the partner name'),
});

export const listClientInvoicesInput = z.strictObject({
  ...pageQueryFields('Invoices'),
  organizationId: idSchema.optional().describe("Only this organization's invoices"),
  status: z.enum(INVOICE_STATUSES).optional(),
});
export type ListClientInvoicesInput = z.infer<typeof listClientInvoicesInput>;

export const exportClientInvoicesInput = listClientInvoicesInput.omit({
  page: true,
  pageSize: true,
});

/** A grant, with the invoice of its sale when it was invoiced (`invoice: true`). */
export const createdGrantEnvelope = z.object({
  grant: grantSchema,
  invoice: invoiceSchema
    .optional()
    .describe('The invoice of this sale, issued in the same transaction; absent for a free grant'),
});

/** An invoice's email, rendered in the issuer's brand, for the partner's mailer to send. */
export const invoiceEmailSchema = z.object({
  to: text().nullable().describe("The customer's billing email; null without a billing profile"),
  replyTo: text().nullable().describe("The brand's support email"),
  subject: text(),
  text: text().describe('The body as plain text'),
  html: text().describe('The body as HTML, escaped'),
});
export type InvoiceEmail = z.infer<typeof invoiceEmailSchema>;
export const invoiceEmailEnvelope = z.object({ email: invoiceEmailSchema });
