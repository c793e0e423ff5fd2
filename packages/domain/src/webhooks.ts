import { z } from 'zod';
import { text, withTextRule } from './text.ts';
import { idSchema, isoDateTimeSchema, pageSizeSchema } from './common.ts';
import { pagedListSchema, pageQueryFields } from './paging.ts';
import { eventTypeSchema } from './events.ts';

/** At most this many endpoints per partner: every event is fanned out to each of them. */
export const MAX_WEBHOOK_ENDPOINTS = 20;

/**
 * Delays before each attempt of a delivery, in milliseconds: the first at once, then 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h and 10 h (about 28 hours in all). After the last, the delivery fails.
 */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE: readonly number[] = [
  0,
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];

/** How long one attempt may take, connection to response, before it counts as failed. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

/** How much of a response body the delivery log keeps. */
export const WEBHOOK_EXCERPT_BYTES = 500;

const webhookUrlSchema = text()
  .trim()
  .max(2048)
  .pipe(withTextRule(z.url({ protocol: /^https?$/ })))
  .describe('https (plain http only to localhost, and only where the deployment allows it)');

const eventTypesSchema = z
  .array(eventTypeSchema)
  .max(100)
  .transform((types) => [...new Set(types)].sort())
  .describe('Event types to send here; empty (the default) means every type');

const descriptionSchema = text().trim().max(500);

export const createWebhookEndpointInput = z.strictObject({
  url: webhookUrlSchema,
  description: descriptionSchema.nullish(),
  eventTypes: eventTypesSchema.default([]),
  enabled: z.boolean().default(true),
});
export type CreateWebhookEndpointInput = z.infer<typeof createWebhookEndpointInput>;

export const updateWebhookEndpointInput = z.strictObject({
  endpointId: idSchema,
  url: webhookUrlSchema.optional(),
  /** `null` clears it. */
  description: descriptionSchema.nullish(),
  eventTypes: eventTypesSchema.optional(),
  enabled: z
    .boolean()
    .optional()
    .describe('Re-enabling resumes the deliveries that were pending when it was disabled'),
});
export type UpdateWebhookEndpointInput = z.infer<typeof updateWebhookEndpointInput>;

export const webhookEndpointIdInput = z.strictObject({ endpointId: idSchema });

export const listWebhookEndpointsInput = z.strictObject({ ...pageQueryFields('Endpoints') });

export const webhookEndpointSchema = z.object({
  id: idSchema,
  url: text(),
  description: text().nullable(),
  eventTypes: z.array(text()).describe('Empty: every event type'),
  enabled: z.boolean(),
  disabledReason: text()
    .nullable()
    .describe('Why Allot disabled the endpoint after repeated failure; null otherwise'),
  createdAt: isoDateTimeSchema,
  updatedAt: isoDateTimeSchema,
});
export type WebhookEndpoint = z.infer<typeof webhookEndpointSchema>;

export const webhookEndpointEnvelope = z.object({ endpoint: webhookEndpointSchema });

/** The secret appears in exactly two responses: the endpoint's creation and each rotation. */
export const webhookEndpointWithSecretSchema = z.object({
  endpoint: webhookEndpointSchema,
  secret: text().describe(
    'whsec_...: verify signatures with it (Standard Webhooks); shown only now',
  ),
});

export const webhookEndpointListSchema = pagedListSchema(
  'endpoints',
  webhookEndpointSchema,
  'Endpoints',
);

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export const webhookDeliveryStatusSchema = z.enum(WEBHOOK_DELIVERY_STATUSES);

export const listWebhookDeliveriesInput = z.strictObject({
  endpointId: idSchema,
  cursor: idSchema.optional().describe('nextCursor of the previous page'),
  limit: pageSizeSchema.default(20).describe('Deliveries per page, 1-100'),
  status: webhookDeliveryStatusSchema.optional().describe('Only deliveries with this status'),
});
export type ListWebhookDeliveriesInput = z.infer<typeof listWebhookDeliveriesInput>;

export const webhookDeliveryIdInput = z.strictObject({
  endpointId: idSchema,
  deliveryId: idSchema,
});

export const webhookAttemptSchema = z.object({
  attemptedAt: isoDateTimeSchema,
  statusCode: z.int().nullable().describe('Null when no response came'),
  latencyMs: z.int(),
  error: text().nullable().describe('Why the attempt failed without a response'),
  responseExcerpt: text().nullable().describe('The first 500 bytes of the response body'),
});

export const webhookDeliverySchema = z.object({
  id: idSchema,
  endpointId: idSchema,
  eventId: idSchema.describe('Also the webhook-id header of every attempt'),
  eventType: text(),
  status: webhookDeliveryStatusSchema,
  attempts: z.int().describe('Attempts since the delivery, or its last manual retry, began'),
  nextAttemptAt: isoDateTimeSchema
    .nullable()
    .describe('When a pending delivery is next tried; null while its endpoint is disabled'),
  lastStatusCode: z.int().nullable(),
  failureReason: text().nullable(),
  createdAt: isoDateTimeSchema,
  updatedAt: isoDateTimeSchema,
  attemptLog: z.array(webhookAttemptSchema).describe('Every attempt, oldest first'),
});
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;

export const webhookDeliveryEnvelope = z.object({ delivery: webhookDeliverySchema });

export const webhookDeliveryPageSchema = z.object({
  deliveries: z.array(webhookDeliverySchema).describe('Newest first'),
  nextCursor: text().nullable().describe('Pass as cursor for the next page; null at the end'),
});
