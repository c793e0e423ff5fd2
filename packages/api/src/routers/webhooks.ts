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
    .input(listWebhookEndpointsInput)
    .output(webhookEndpointListSchema)
    .query(({ ctx, input }) => listWebhookEndpoints(ctx.db, ctx.partnerId, input)),

  get: partnerProcedure
    .input(webhookEndpointIdInput)
    .output(webhookEndpointEnvelope)
    .query(({ ctx, input }) => getWebhookEndpoint(ctx.db, ctx.partnerId, input.endpointId)),

  create: partnerProcedure
    .input(createWebhookEndpointInput)
    .output(webhookEndpointWithSecretSchema)
    .mutation(
      idempotent(
        ({ ctx, input }) => createWebhookEndpoint(ctx.db, ctx.partnerId, input, ctx, ctx.clock()),
        { secretField: 'secret' },
      ),
    ),

  update: partnerProcedure
    .input(updateWebhookEndpointInput)
    .output(webhookEndpointEnvelope)
    .mutation(
      idempotent(({ ctx, input }) =>
        updateWebhookEndpoint(ctx.db, ctx.partnerId, input, ctx, ctx.clock()),
      ),
    ),

  remove: partnerProcedure
    .input(webhookEndpointIdInput)
    .mutation(
      idempotent(({ ctx, input }) =>
        removeWebhookEndpoint(ctx.db, ctx.partnerId, input.endpointId),
      ),
    ),

  rotateSecret: partnerProcedure
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
    .input(webhookEndpointIdInput)
    .output(webhookDeliveryEnvelope)
    .mutation(
      idempotent(({ ctx, input }) => sendTestEvent(ctx.db, ctx.partnerId, input.endpointId)),
    ),

  deliveries: router({
    list: partnerProcedure
      .input(listWebhookDeliveriesInput)
      .output(webhookDeliveryPageSchema)
      .query(({ ctx, input }) => listWebhookDeliveries(ctx.db, ctx.partnerId, input)),

    retry: partnerProcedure
      .input(webhookDeliveryIdInput)
      .output(webhookDeliveryEnvelope)
      .mutation(idempotent(({ ctx, input }) => retryWebhookDelivery(ctx.db, ctx.partnerId, input))),
  }),
});
