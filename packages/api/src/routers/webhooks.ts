import {
  createWebhookEndpointInput,
  listWebhookDeliveriesInput,
  listWebhookEndpointsInput,
  updateWebhookEndpointInput,
  webhookDeliveryEnvelope,
  webhookDeliveryIdInput,
  webhookDeliveryPageSchema,
  webhookEndpointEnvelope,
  webhookEndpointIdInput,
  webhookEndpointListSchema,
  webhookEndpointWithSecretSchema,
} from '@allot/domain';
import { listWebhookDeliveries, retryWebhookDelivery } from '../services/webhooks/deliveries.ts';
import {
  createWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookEndpoints,
  removeWebhookEndpoint,
  rotateWebhookSecret,
  sendTestEvent,
  updateWebhookEndpoint,
} from '../services/webhooks/endpoints.ts';
import { idempotent } from '../idempotent.ts';
import { partnerProcedure, router } from '../trpc.ts';

export const webhooksRouter = router({
  list: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/webhooks',
        tag: 'Webhooks',
        summary: 'List webhook endpoints',
        description:
          "The partner's webhook endpoints, with the event types each is subscribed to. Secrets are never listed.",
      },
    })
    .input(listWebhookEndpointsInput)
    .output(webhookEndpointListSchema)
    .query(({ ctx, input }) => listWebhookEndpoints(ctx.db, ctx.partnerId, input)),

  get: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/webhooks/:endpointId',
        tag: 'Webhooks',
        summary: 'Retrieve a webhook endpoint (never its secret)',
        description: 'One webhook endpoint of the partner; its secret is never shown again.',
      },
    })
    .input(webhookEndpointIdInput)
    .output(webhookEndpointEnvelope)
    .query(({ ctx, input }) => getWebhookEndpoint(ctx.db, ctx.partnerId, input.endpointId)),

  create: partnerProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/partner/webhooks',
        tag: 'Webhooks',
        status: 201,
        summary: 'Add a webhook endpoint; its signing secret is shown once',
        description:
          'Registers an HTTPS endpoint for some event types (or all). The signing secret is in this response only; store it to verify signatures.',
      },
    })
    .input(createWebhookEndpointInput)
    .output(webhookEndpointWithSecretSchema)
    .mutation(
      idempotent(
        ({ ctx, input }) => createWebhookEndpoint(ctx.db, ctx.partnerId, input, ctx, ctx.clock()),
        { secretField: 'secret' },
      ),
    ),

  update: partnerProcedure
    .meta({
      rest: {
        method: 'PUT',
        path: '/partner/webhooks/:endpointId',
        tag: 'Webhooks',
        summary: 'Change the URL, description, event types, or enable and disable the endpoint',
        description:
          'Changes the given fields only. A disabled endpoint receives nothing; re-enabling it resumes deliveries.',
      },
    })
    .input(updateWebhookEndpointInput)
    .output(webhookEndpointEnvelope)
    .mutation(
      idempotent(({ ctx, input }) =>
        updateWebhookEndpoint(ctx.db, ctx.partnerId, input, ctx, ctx.clock()),
      ),
    ),

  remove: partnerProcedure
    .meta({
      rest: {
        method: 'DELETE',
        path: '/partner/webhooks/:endpointId',
        tag: 'Webhooks',
        status: 204,
        summary: 'Delete a webhook endpoint and its delivery log',
        description: 'Deletes the endpoint and its delivery log; nothing more is sent to it.',
      },
    })
    .input(webhookEndpointIdInput)
    .mutation(
      idempotent(({ ctx, input }) =>
        removeWebhookEndpoint(ctx.db, ctx.partnerId, input.endpointId),
      ),
    ),

  rotateSecret: partnerProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/partner/webhooks/:endpointId/rotate-secret',
        tag: 'Webhooks',
        summary:
          'Replace the signing secret; the new one is shown once and signs every later attempt',
        description:
          'Issues a new signing secret, shown in this response only. Every later attempt, retries included, is signed with it.',
      },
    })
    .input(webhookEndpointIdInput)
    .output(webhookEndpointWithSecretSchema)
    .mutation(
      idempotent(
        ({ ctx, input }) =>
          rotateWebhookSecret(ctx.db, ctx.partnerId, input.endpointId, ctx.clock()),
        { secretField: 'secret' },
      ),
    ),

  test: partnerProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/partner/webhooks/:endpointId/test',
        tag: 'Webhooks',
        status: 201,
        summary: 'Send a webhook.test event to this endpoint through the normal delivery path',
        description:
          'Queues a `webhook.test` event for this endpoint only. It is signed, retried and logged like any event, so the delivery log shows whether the endpoint works.',
      },
    })
    .input(webhookEndpointIdInput)
    .output(webhookDeliveryEnvelope)
    .mutation(
      idempotent(({ ctx, input }) => sendTestEvent(ctx.db, ctx.partnerId, input.endpointId)),
    ),

  deliveries: router({
    list: partnerProcedure
      .meta({
        rest: {
          method: 'GET',
          path: '/partner/webhooks/:endpointId/deliveries',
          tag: 'Webhooks',
          summary: "The endpoint's delivery log with every attempt, newest first, by cursor",
          description:
            "Each delivery of an event to this endpoint, newest first, with every attempt's status code and timing. Pass `nextCursor` as `cursor` for the next page.",
        },
      })
      .input(listWebhookDeliveriesInput)
      .output(webhookDeliveryPageSchema)
      .query(({ ctx, input }) => listWebhookDeliveries(ctx.db, ctx.partnerId, input)),

    retry: partnerProcedure
      .meta({
        rest: {
          method: 'POST',
          path: '/partner/webhooks/:endpointId/deliveries/:deliveryId/retry',
          tag: 'Webhooks',
          summary: 'Send a delivery again now, with a fresh retry schedule and the same webhook-id',
          description:
            'Sends a delivery again now, with a fresh retry schedule. The webhook-id stays the same, so a receiver that already processed it can drop it.',
        },
      })
      .input(webhookDeliveryIdInput)
      .output(webhookDeliveryEnvelope)
      .mutation(idempotent(({ ctx, input }) => retryWebhookDelivery(ctx.db, ctx.partnerId, input))),
  }),
});
