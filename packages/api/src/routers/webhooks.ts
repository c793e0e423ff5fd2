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
import { once } from '../services/idempotency.ts';
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
    .mutation(({ ctx, input, path }) =>
      once(
        ctx,
        path,
        input,
        (trx) => createWebhookEndpoint(trx, ctx.partnerId, input, ctx, ctx.clock()),
        { secretField: 'secret' },
      ),
    ),

  update: partnerProcedure
    .input(updateWebhookEndpointInput)
    .output(webhookEndpointEnvelope)
    .mutation(({ ctx, input, path }) =>
      once(ctx, path, input, (trx) =>
        updateWebhookEndpoint(trx, ctx.partnerId, input, ctx, ctx.clock()),
      ),
    ),

  remove: partnerProcedure
    .input(webhookEndpointIdInput)
    .mutation(({ ctx, input, path }) =>
      once(ctx, path, input, (trx) => removeWebhookEndpoint(trx, ctx.partnerId, input.endpointId)),
    ),

  rotateSecret: partnerProcedure
    .input(webhookEndpointIdInput)
    .output(webhookEndpointWithSecretSchema)
    .mutation(({ ctx, input, path }) =>
      once(
        ctx,
        path,
        input,
        (trx) => rotateWebhookSecret(trx, ctx.partnerId, input.endpointId, ctx.clock()),
        { secretField: 'secret' },
      ),
    ),

  test: partnerProcedure
    .input(webhookEndpointIdInput)
    .output(webhookDeliveryEnvelope)
    .mutation(({ ctx, input, path }) =>
      once(ctx, path, input, (trx) => sendTestEvent(trx, ctx.partnerId, input.endpointId)),
    ),

  deliveries: router({
    list: partnerProcedure
      .input(listWebhookDeliveriesInput)
      .output(webhookDeliveryPageSchema)
      .query(({ ctx, input }) => listWebhookDeliveries(ctx.db, ctx.partnerId, input)),

    retry: partnerProcedure
      .input(webhookDeliveryIdInput)
      .output(webhookDeliveryEnvelope)
      .mutation(({ ctx, input, path }) =>
        once(ctx, path, input, (trx) => retryWebhookDelivery(trx, ctx.partnerId, input)),
      ),
  }),
});
