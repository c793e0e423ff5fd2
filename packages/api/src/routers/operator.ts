import {
  createCreditTypeInput,
  creditTypeEnvelope,
  creditTypeListSchema,
  createdApiKeySchema,
  createdPartnerSchema,
  createPartnerInput,
  listPartnersInput,
  partnerEnvelope,
  partnerIdInput,
  partnerListSchema,
  revokeApiKeyInput,
  setPartnerBillingInput,
} from '@allot/domain';
import { notFound } from '../errors.ts';
import { createApiKey, revokeApiKey } from '../services/api-keys.ts';
import { createCreditType, listCreditTypes } from '../services/credit-types.ts';
import { once } from '../services/idempotency.ts';
import {
  createPartner,
  listPartners,
  partnerExists,
  setPartnerBilling,
} from '../services/partners.ts';
import { operatorProcedure, router } from '../trpc.ts';

export const operatorRouter = router({
  partners: router({
    // No input at all is the first page, as `?page` and `pageSize` left out are over REST.
    list: operatorProcedure
      .input(listPartnersInput.prefault({}))
      .output(partnerListSchema)
      .query(({ ctx, input }) => listPartners(ctx.db, input)),

    create: operatorProcedure
      .input(createPartnerInput)
      .output(createdPartnerSchema)
      .mutation(({ ctx, input, path }) =>
        once(ctx, path, input, (trx) => createPartner(trx, input, ctx.clock()), {
          secretField: 'apiKey',
        }),
      ),

    setBilling: operatorProcedure
      .input(setPartnerBillingInput)
      .output(partnerEnvelope)
      .mutation(({ ctx, input, path }) =>
        once(ctx, path, input, (trx) => setPartnerBilling(trx, input, ctx.clock())),
      ),
  }),

  creditTypes: router({
    list: operatorProcedure
      .output(creditTypeListSchema)
      .query(({ ctx }) => listCreditTypes(ctx.db)),

    create: operatorProcedure
      .input(createCreditTypeInput)
      .output(creditTypeEnvelope)
      .mutation(({ ctx, input, path }) =>
        once(ctx, path, input, (trx) => createCreditType(trx, input, ctx.clock())),
      ),
  }),

  apiKeys: router({
    create: operatorProcedure
      .input(partnerIdInput)
      .output(createdApiKeySchema)
      .mutation(({ ctx, input, path }) =>
        once(
          ctx,
          path,
          input,
          async (trx) => {
            if (!(await partnerExists(trx, input.partnerId))) throw notFound('Partner');
            return createApiKey(trx, input.partnerId);
          },
          { secretField: 'apiKey' },
        ),
      ),

    revoke: operatorProcedure
      .input(revokeApiKeyInput)
      .mutation(({ ctx, input, path }) =>
        once(ctx, path, input, (trx) =>
          revokeApiKey(trx, input.partnerId, input.keyId, ctx.clock()),
        ),
      ),
  }),
});
