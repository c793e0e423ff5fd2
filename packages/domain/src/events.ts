import { z } from 'zod';
import { text } from './text.ts';
import { AUTO_TOP_UP_FAILURES } from './alerts.ts';
import { CAP_SCOPES } from './charge-guards.ts';
import { idSchema, isoDateTimeSchema } from './common.ts';

/**
 * Every event a partner can receive, with the version of its payload. A payload only grows:
 * a field is never removed or changed in meaning within a version.
 */
export const EVENT_TYPES = [
  'organization.created',
  'organization.updated',
  'organization.status_changed',
  'credits.granted',
  'credits.allocated',
  'credits.voided',
  'credits.expired',
  'credit_balance.dropped',
  'credit_balance.depleted',
  'credit_balance.recovered',
  'usage.recorded',
  'billing_period.renewed',
  'auto_top_up.applied',
  'auto_top_up.failed',
  'credit_usage.cap_reached',
  'pixel.anomaly',
  'invoice.issued',
  'invoice.paid',
  'invoice.voided',
  'invoice.overdue',
  'credits.applied',
  'client_invoice.issued',
  'client_invoice.paid',
  'client_invoice.voided',
  'client_invoice.overdue',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export const eventTypeSchema = z.enum(EVENT_TYPES);

/** What `POST /partner/webhooks/{id}/test` sends; it goes to that endpoint only. */
export const TEST_EVENT_TYPE = 'webhook.test';

export const EVENT_VERSION = 1;

const organizationRef = {
  organizationId: idSchema,
};

/** An invoice the operator issued to the partner receiving the event. */
const invoiceRef = {
  invoiceId: idSchema,
  number: text(),
  currency: text().describe('ISO 4217; amounts are decimal strings with its minor digits'),
};

/** An invoice the partner receiving the event issued to one of its organizations. */
const clientInvoiceRef = { ...invoiceRef, organizationId: idSchema };

const balance = {
  ...organizationRef,
  creditType: text(),
  balance: z.int().describe('The balance after the change'),
  previousBalance: z.int().describe('The balance before the transaction that crossed'),
};

/** The `data` of each event type (version 1). */
export const eventDataSchemas = {
  'organization.created': z.object({
    ...organizationRef,
    name: text(),
    externalId: text().nullable(),
    tier: text(),
    productType: text(),
    status: text(),
  }),
  'organization.updated': z.object({
    ...organizationRef,
    changed: z.array(text()).describe('Fields that changed'),
  }),
  'organization.status_changed': z.object({
    ...organizationRef,
    status: text(),
    previousStatus: text(),
  }),
  'credits.granted': z.object({
    ...organizationRef,
    grantId: idSchema,
    creditType: text(),
    amount: z.int(),
    kind: text(),
    expiresAt: isoDateTimeSchema.nullable(),
    reason: text().nullable(),
  }),
  'credits.allocated': z.object({
    ...organizationRef,
    creditType: text(),
    allocated: z.int().describe("The organization's allocation for the period, after the change"),
    previousAllocated: z.int(),
  }),
  'credits.voided': z.object({
    ...organizationRef,
    grantId: idSchema,
    creditType: text(),
    amount: z.int().describe('Credits removed'),
    reason: text(),
  }),
  'credits.expired': z.object({
    ...organizationRef,
    creditType: text(),
    amount: z.int().describe('Credits written down as expired'),
  }),
  'credit_balance.dropped': z.object({
    ...balance,
    threshold: z.object({
      credits: z.int().optional(),
      percent: z.number().optional(),
      level: z.int().describe('The threshold in credits when it was crossed'),
    }),
  }),
  'credit_balance.depleted': z.object(balance),
  'credit_balance.recovered': z.object(balance),
  'usage.recorded': z.object({
    ...organizationRef,
    externalId: text().nullable(),
    creditType: text(),
    batchStart: isoDateTimeSchema.describe('The minute this batch covers, inclusive'),
    batchEnd: isoDateTimeSchema.describe('Exclusive'),
    identifications: z.int(),
    credits: z.int().describe('Credits consumed by those identifications'),
    overage: z.int(),
  }),
  'billing_period.renewed': z.object({
    ...organizationRef,
    periodStart: isoDateTimeSchema,
    periodEnd: isoDateTimeSchema,
    allowance: z.int(),
    granted: z.int().describe('Of the allowance, what the pool could give'),
  }),
  'auto_top_up.applied': z.object({
    ...organizationRef,
    creditType: text(),
    amount: z.int(),
    grantId: idSchema,
    threshold: z.int(),
  }),
  'auto_top_up.failed': z.object({
    ...organizationRef,
    creditType: text(),
    amount: z.int(),
    threshold: z.int(),
    reason: z.enum(AUTO_TOP_UP_FAILURES),
    message: text(),
  }),
  'credit_usage.cap_reached': z.object({
    ...organizationRef,
    scope: z.enum(CAP_SCOPES).describe('Which cap: per billing period or per UTC day'),
    cap: z.int().describe('The identifications the cap allows in the window'),
    windowStart: isoDateTimeSchema,
    windowEnd: isoDateTimeSchema.describe('Exclusive: identifications are charged again from it'),
  }),
  'pixel.anomaly': z.object({
    ...organizationRef,
    network: text().describe('The network the identifications came from, as a CIDR'),
    threshold: z.int().describe('New identifications charged per hour from one network'),
    identifications: z
      .int()
      .describe('New identifications from the network this hour when the event was written'),
    hourStart: isoDateTimeSchema,
    hourEnd: isoDateTimeSchema,
  }),
  'invoice.issued': z.object({
    ...invoiceRef,
    total: text(),
    amountDue: text(),
    periodStart: isoDateTimeSchema,
    periodEnd: isoDateTimeSchema,
    dueAt: isoDateTimeSchema,
  }),
  'invoice.paid': z.object({ ...invoiceRef, total: text(), paidAt: isoDateTimeSchema }),
  'invoice.voided': z.object({ ...invoiceRef, reason: text() }),
  'invoice.overdue': z.object({ ...invoiceRef, amountDue: text(), dueAt: isoDateTimeSchema }),
  'credits.applied': z.object({
    ...invoiceRef,
    creditType: text().describe('The monetary credit type applied'),
    credits: z.int().describe('Credits applied: minor units of the currency'),
    amount: text().describe('The same, in the currency: the invoice’s creditsApplied'),
  }),
  'client_invoice.issued': z.object({
    ...clientInvoiceRef,
    subtotal: text(),
    creditsApplied: text().describe("The organization's monetary credits applied to it"),
    total: text(),
    amountDue: text(),
    periodStart: isoDateTimeSchema,
    periodEnd: isoDateTimeSchema,
    dueAt: isoDateTimeSchema,
  }),
  'client_invoice.paid': z.object({
    ...clientInvoiceRef,
    total: text(),
    paidAt: isoDateTimeSchema,
  }),
  'client_invoice.voided': z.object({ ...clientInvoiceRef, reason: text() }),
  'client_invoice.overdue': z.object({
    ...clientInvoiceRef,
    amountDue: text(),
    dueAt: isoDateTimeSchema,
  }),
} satisfies Record<EventType, z.ZodType>;

/** The `data` of the `webhook.test` event a partner sends itself to try an endpoint. */
export const testEventDataSchema = z.object({
  endpointId: idSchema.describe('The endpoint the test was sent to'),
  message: text(),
});

/** Every type an envelope can carry: the subscribable events, and the test event. */
export type EnvelopeType = EventType | typeof TEST_EVENT_TYPE;

function envelope<T extends EnvelopeType, D extends z.ZodType>(type: T, data: D) {
  return z.object({
    id: idSchema.describe('The event id; also the webhook-id header, the same on every retry'),
    type: z.literal(type),
    version: z.literal(EVENT_VERSION),
    timestamp: isoDateTimeSchema,
    partnerId: idSchema,
    data,
  });
}

// Built once per type, so each envelope is one schema instance that the OpenAPI document names.
const envelopes = Object.fromEntries([
  ...EVENT_TYPES.map((type) => [type, envelope(type, eventDataSchemas[type])]),
  [TEST_EVENT_TYPE, envelope(TEST_EVENT_TYPE, testEventDataSchema)],
]) as {
  [T in EventType]: (typeof eventDataSchemas)[T] extends infer D extends z.ZodType
    ? ReturnType<typeof envelope<T, D>>
    : never;
} & {
  [TEST_EVENT_TYPE]: ReturnType<
    typeof envelope<typeof TEST_EVENT_TYPE, typeof testEventDataSchema>
  >;
};

/** The body of every webhook: the Standard Webhooks shape, plus the event's id and version. */
export function eventEnvelopeSchema<T extends EnvelopeType>(type: T): (typeof envelopes)[T] {
  return envelopes[type];
}
