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
  billingProfileEnvelope,
  partnerPricingEnvelope,
  setPartnerBillingProfileInput,
  setPartnerPricingInput,
} from '@allot/domain';
import {
  getPartnerBillingProfile,
  setPartnerBillingProfile,
} from '../services/billing-profiles.ts';
import { getPartnerPricing, setPartnerPricing } from '../services/pricing.ts';
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
import { examples } from '../rest-examples.ts';
import { operatorProcedure, router } from '../trpc.ts';
import { operatorInvoicesRouter } from './invoices.ts';
import { operatorWalletRouter } from './wallets.ts';
import { operatorReportsRouter } from './revenue.ts';

export const operatorRouter = router({
  invoices: operatorInvoicesRouter,
  wallets: operatorWalletRouter,
  reports: operatorReportsRouter,
  partners: router({
    create: operatorProcedure
      .meta({
        rest: {
          method: 'POST',
          path: '/operator/partners',
          tag: 'Operator',
          status: 201,
          summary: 'Onboard a partner; the API key is shown once',
          description:
            'Creates a partner with its billing mode, period and pool, and issues its first API key, shown in this response only.',
        },
      })
      .input(createPartnerInput)
      .output(createdPartnerSchema)
      .mutation(
        idempotent(({ ctx, input }) => createPartner(ctx.db, input, ctx.clock()), {
          secretField: 'apiKey',
        }),
      ),

    // No input at all is the first page, as `?page` and `pageSize` left out are over REST.
    list: operatorProcedure
      .meta({
        rest: {
          method: 'GET',
          path: '/operator/partners',
          tag: 'Operator',
          summary: 'List partners, oldest first, with pagination',
          description: 'Every partner on the platform with its billing configuration.',
        },
      })
      .input(listPartnersInput.prefault({}))
      .output(partnerListSchema)
      .query(({ ctx, input }) => listPartners(ctx.db, input)),

    setBilling: operatorProcedure
      .meta({
        rest: {
          method: 'PUT',
          path: '/operator/partners/:partnerId/billing',
          tag: 'Operator',
          summary: "Change a partner's billing mode, period or pool",
          description: "Changes a partner's billing mode, period or pool size.",
        },
      })
      .input(setPartnerBillingInput)
      .output(partnerEnvelope)
      .mutation(idempotent(({ ctx, input }) => setPartnerBilling(ctx.db, input, ctx.clock()))),

    getPricing: operatorProcedure
      .meta({
        rest: {
          method: 'GET',
          path: '/operator/partners/:partnerId/pricing',
          tag: 'Operator',
          summary: "A partner's prices",
          description:
            'What the operator charges the partner: its currency, the unit prices by billing mode, payment terms and tax rate. `pricing` is null for a partner that is not priced (it is billed nothing).',
        },
      })
      .input(partnerIdInput)
      .output(partnerPricingEnvelope)
      .query(({ ctx, input }) => getPartnerPricing(ctx.db, input.partnerId)),

    setPricing: operatorProcedure
      .meta({
        rest: {
          method: 'PUT',
          path: '/operator/partners/:partnerId/pricing',
          tag: 'Operator',
          summary: "Set a partner's prices",
          description:
            'Sets the pricing whole: prices are decimal strings, and one left out is not billed. credit_pool bills poolUnitPrice per pool credit in advance at each pool period start; usage_based bills usageUnitPrice per credit consumed within allowance and overageUnitPrice (default usageUnitPrice) per overage credit, in arrears; external bills usageUnitPrice per credit consumed, in arrears. A change applies to what is billed after it.',
          examples: examples['operator.partners.setPricing'],
        },
      })
      .input(setPartnerPricingInput)
      .output(partnerPricingEnvelope)
      .mutation(idempotent(({ ctx, input }) => setPartnerPricing(ctx.db, input, ctx.clock()))),

    getBillingProfile: operatorProcedure
      .meta({
        rest: {
          method: 'GET',
          path: '/operator/partners/:partnerId/billing-profile',
          tag: 'Operator',
          summary: "Who a partner's invoices are addressed to",
          description:
            'The legal name, billing email, address and tax id shown on the invoices the operator issues to the partner; null until set.',
        },
      })
      .input(partnerIdInput)
      .output(billingProfileEnvelope)
      .query(({ ctx, input }) => getPartnerBillingProfile(ctx.db, input.partnerId)),

    setBillingProfile: operatorProcedure
      .meta({
        rest: {
          method: 'PUT',
          path: '/operator/partners/:partnerId/billing-profile',
          tag: 'Operator',
          summary: "Set who a partner's invoices are addressed to",
          description:
            'Sets the billing profile whole. Invoices already issued keep the profile they showed.',
        },
      })
      .input(setPartnerBillingProfileInput)
      .output(billingProfileEnvelope)
      .mutation(
        idempotent(({ ctx, input }) => setPartnerBillingProfile(ctx.db, input, ctx.clock())),
      ),
  }),

  creditTypes: router({
    create: operatorProcedure
      .meta({
        rest: {
          method: 'POST',
          path: '/operator/credit-types',
          tag: 'Operator',
          status: 201,
          summary: 'Add a credit type (its key is permanent)',
          description:
            'Adds a credit type balances can be kept in: units, or a currency with its minor digits. The key is permanent.',
        },
      })
      .input(createCreditTypeInput)
      .output(creditTypeEnvelope)
      .mutation(idempotent(({ ctx, input }) => createCreditType(ctx.db, input, ctx.clock()))),

    list: operatorProcedure
      .meta({
        rest: {
          method: 'GET',
          path: '/operator/credit-types',
          tag: 'Operator',
          summary: 'List credit types',
          description: 'Every credit type on the platform.',
        },
      })
      .output(creditTypeListSchema)
      .query(({ ctx }) => listCreditTypes(ctx.db)),
  }),

  apiKeys: router({
    create: operatorProcedure
      .meta({
        rest: {
          method: 'POST',
          path: '/operator/partners/:partnerId/api-keys',
          tag: 'Operator',
          status: 201,
          summary: 'Issue another API key for a partner',
          description:
            'Issues another API key for the partner, shown in this response only, so keys can be rotated without downtime.',
        },
      })
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
      .meta({
        rest: {
          method: 'DELETE',
          path: '/operator/partners/:partnerId/api-keys/:keyId',
          tag: 'Operator',
          status: 204,
          summary: 'Revoke an API key (it fails with 401 at once)',
          description: 'Revokes an API key; requests with it fail with 401 at once.',
        },
      })
      .input(revokeApiKeyInput)
      .mutation(
        idempotent(({ ctx, input }) =>
          revokeApiKey(ctx.db, input.partnerId, input.keyId, ctx.clock()),
        ),
      ),
  }),
});
