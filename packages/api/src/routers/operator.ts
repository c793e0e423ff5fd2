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
import {
  createPartner,
  listPartners,
  partnerExists,
  setPartnerBilling,
} from '../services/partners.ts';
import { idempotent } from '../idempotent.ts';
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
      .mutation(
        idempotent(({ ctx, input }) => createPartner(ctx.db, input, ctx.clock()), {
          secretField: 'apiKey',
        }),
      ),

    setBilling: operatorProcedure
      .input(setPartnerBillingInput)
      .output(partnerEnvelope)
      .mutation(idempotent(({ ctx, input }) => setPartnerBilling(ctx.db, input, ctx.clock()))),
  }),

  creditTypes: router({
    list: operatorProcedure
      .output(creditTypeListSchema)
      .query(({ ctx }) => listCreditTypes(ctx.db)),

    create: operatorProcedure
      .input(createCreditTypeInput)
      .output(creditTypeEnvelope)
      .mutation(idempotent(({ ctx, input }) => createCreditType(ctx.db, input, ctx.clock()))),
  }),

  apiKeys: router({
    create: operatorProcedure
      .input(partnerIdInput)
      .output(createdApiKeySchema)
      .mutation(
        idempotent(
          async ({ ctx, input }) => {
            if (!(await partnerExists(ctx.db, input.partnerId))) throw notFound('Partner');
            return createApiKey(ctx.db, input.partnerId);
          },
          { secretField: 'apiKey' },
        ),
      ),

    revoke: operatorProcedure
      .input(revokeApiKeyInput)
      .mutation(
        idempotent(({ ctx, input }) =>
          revokeApiKey(ctx.db, input.partnerId, input.keyId, ctx.clock()),
        ),
      ),
  }),
});
