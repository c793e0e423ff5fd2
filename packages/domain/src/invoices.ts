import { z } from 'zod';
import { idSchema, isoDateTimeSchema } from './common.ts';
import { pagedListSchema, pageQueryFields } from './paging.ts';
import { amountSchema, currencySchema, unitPriceSchema } from './money.ts';
import { text } from './text.ts';
import { reasonSchema } from './credits.ts';
import { postalAddressOutput } from './billing-profiles.ts';

/**
 * Invoices: an issuer bills a customer: the platform operator a partner, or a partner one of its
 * organizations (its client). An invoice exists only once issued: its number, lines and prices never
 * change after that; it is then paid (payments reach its total) or voided.
 */
export const INVOICE_STATUSES = ['issued', 'paid', 'void'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/**
 * What a line bills, each traced to the ledger entries it counts:
 * - `pool`: pool credits of a period, in advance (credit_pool); a mid-period change is a line
 *   of its own, negative when the pool was lowered;
 * - `usage`: credits an organization consumed (within its allowance in usage_based), in arrears;
 * - `overage`: credits an organization consumed past its allowance (usage_based), in arrears;
 * - `fee`: an organization's period fee, in advance (a partner's invoice to its client);
 * - `purchase`: credits sold to an organization, at their cost basis;
 * - `top_up`: an organization's auto top-up, at its price.
 */
export const INVOICE_LINE_KINDS = [
  'pool',
  'usage',
  'overage',
  'fee',
  'purchase',
  'top_up',
] as const;
export type InvoiceLineKind = (typeof INVOICE_LINE_KINDS)[number];

export const PAYMENT_METHODS = [
  'bank_transfer',
  'card',
  'direct_debit',
  'check',
  'cash',
  'other',
] as const;

export const invoiceLineSchema = z.object({
  id: idSchema,
  description: text(),
  organizationId: idSchema.nullable(),
  quantity: z.int().describe('Credits billed; negative for credits taken back'),
  unitPrice: unitPriceSchema,
  amount: amountSchema.describe('quantity × unitPrice, rounded half-even to the minor unit'),
  source: z.object({
    kind: z.enum(INVOICE_LINE_KINDS),
    periodStart: isoDateTimeSchema,
    periodEnd: isoDateTimeSchema,
    entries: z
      .int()
      .describe('The ledger entries this line bills; each is billed on one invoice only'),
  }),
});

/** An issuing partner's brand, as printed on its clients' invoices. */
export const invoiceBrandSchema = z.object({
  displayName: text(),
  logoUrl: text().nullable(),
  primaryColor: text().nullable(),
  supportEmail: text().nullable(),
  footer: text().nullable(),
});

const partySchema = z.object({
  type: z.enum(['operator', 'partner', 'organization']),
  id: idSchema.nullable().describe('The partner or organization; null for the operator'),
  legalName: text(),
  billingEmail: text().nullable(),
  address: postalAddressOutput.nullable(),
  taxId: text().nullable(),
  brand: invoiceBrandSchema
    .nullable()
    .optional()
    .describe("An issuing partner's brand; absent for the operator and customers"),
});

export const paymentSchema = z.object({
  id: idSchema,
  amount: amountSchema,
  method: z.enum(PAYMENT_METHODS),
  reference: text().nullable(),
  paidAt: isoDateTimeSchema,
  createdAt: isoDateTimeSchema,
});

export const invoiceSchema = z.object({
  id: idSchema,
  number: text().describe('Per issuer, sequential and gap-free, assigned at issue'),
  issuer: partySchema.describe('As it stood when the invoice was issued'),
  organizationId: idSchema
    .nullable()
    .describe("The customer organization of a partner's client invoice; null for the operator's"),
  customer: partySchema.describe('The billing profile as it stood when the invoice was issued'),
  status: z.enum(INVOICE_STATUSES),
  overdue: z.boolean().describe('Issued, not paid, and past dueAt'),
  currency: currencySchema,
  periodStart: isoDateTimeSchema,
  periodEnd: isoDateTimeSchema,
  issuedAt: isoDateTimeSchema,
  dueAt: isoDateTimeSchema,
  lines: z.array(invoiceLineSchema),
  subtotal: amountSchema,
  taxRate: text(),
  tax: amountSchema.describe('subtotal × taxRate, rounded half-even'),
  creditsApplied: amountSchema,
  total: amountSchema.describe('subtotal + tax - creditsApplied, never below zero'),
  amountPaid: amountSchema,
  amountDue: amountSchema.describe('total - amountPaid'),
  payments: z.array(paymentSchema),
  voidReason: text().nullable(),
  createdAt: isoDateTimeSchema,
  updatedAt: isoDateTimeSchema,
});
export type Invoice = z.infer<typeof invoiceSchema>;

export const invoiceEnvelope = z.object({ invoice: invoiceSchema });

/**
 * The invoice the next period boundary will issue, as it stands now: what is not yet billed, and
 * in credit_pool the next period's pool in advance, with the credits that would be applied. A
 * draft is never stored: it has no number and changes until the boundary issues it.
 */
export const upcomingInvoiceSchema = z.object({
  status: z.literal('draft'),
  customer: partySchema,
  currency: currencySchema,
  periodStart: isoDateTimeSchema,
  periodEnd: isoDateTimeSchema,
  issuesAt: isoDateTimeSchema.describe('When the period boundary issues it'),
  lines: z.array(invoiceLineSchema.omit({ id: true })),
  subtotal: amountSchema,
  taxRate: text(),
  tax: amountSchema,
  creditsApplied: amountSchema.describe('The monetary credits available now that it would apply'),
  total: amountSchema,
  amountDue: amountSchema,
});
export type UpcomingInvoice = z.infer<typeof upcomingInvoiceSchema>;
export const upcomingInvoiceEnvelope = z.object({
  invoice: upcomingInvoiceSchema.nullable().describe('null: the customer is not priced'),
});

export const invoiceListSchema = pagedListSchema('invoices', invoiceSchema, 'Invoices');

export const issueInvoiceInput = z.strictObject({ partnerId: idSchema });

export const invoiceIdInput = z.strictObject({ invoiceId: idSchema });

export const listInvoicesInput = z.strictObject({
  ...pageQueryFields('Invoices'),
  partnerId: idSchema.optional().describe("Only this partner's invoices"),
  status: z.enum(INVOICE_STATUSES).optional(),
});
export type ListInvoicesInput = z.infer<typeof listInvoicesInput>;

export const listPartnerInvoicesInput = z.strictObject({
  ...pageQueryFields('Invoices'),
  status: z.enum(INVOICE_STATUSES).optional(),
});
export type ListPartnerInvoicesInput = z.infer<typeof listPartnerInvoicesInput>;

/** A CSV export's filters: the list's, without paging (the file holds every match). */
export const exportInvoicesInput = listInvoicesInput.omit({ page: true, pageSize: true });
export const exportPartnerInvoicesInput = listPartnerInvoicesInput.omit({
  page: true,
  pageSize: true,
});

export const recordPaymentInput = z.strictObject({
  invoiceId: idSchema,
  amount: text()
    .regex(/^(0|[1-9]\d{0,14})(\.\d{1,4})?$/, 'a positive decimal string, e.g. "100.00"')
    .describe("The amount received, in the invoice's currency, at most its minor digits"),
  method: z.enum(PAYMENT_METHODS),
  reference: text().trim().min(1).max(200).nullable().optional(),
  paidAt: isoDateTimeSchema.optional().describe('When the money arrived (default now)'),
});
export type RecordPaymentInput = z.infer<typeof recordPaymentInput>;

export const voidInvoiceInput = z.strictObject({
  invoiceId: idSchema,
  reason: reasonSchema.describe('Why, kept on the invoice'),
});
export type VoidInvoiceInput = z.infer<typeof voidInvoiceInput>;
