import {
  createOrganizationInput,
  listOrganizationsInput,
  organizationEnvelope,
  organizationIdInput,
  organizationListSchema,
  setOrganizationBillingInput,
  setOrganizationCreditsInput,
  setOrganizationStatusInput,
  setOrganizationTierInput,
  updateOrganizationInput,
} from '@allot/domain';
import { once } from '../services/idempotency.ts';
import {
  createOrganization,
  getOrganization,
  listOrganizations,
  removeOrganization,
  setOrganizationBilling,
  setOrganizationCredits,
  setOrganizationStatus,
  setOrganizationTier,
  updateOrganization,
} from '../services/organizations.ts';
import { partnerProcedure, router } from '../trpc.ts';

export const organizationsRouter = router({
  list: partnerProcedure
    .input(listOrganizationsInput)
    .output(organizationListSchema)
    .query(({ ctx, input }) => listOrganizations(ctx.db, ctx.partnerId, input, ctx.clock())),

  get: partnerProcedure
    .input(organizationIdInput)
    .output(organizationEnvelope)
    .query(({ ctx, input }) =>
      getOrganization(ctx.db, ctx.partnerId, input.organizationId, ctx.clock()),
    ),

  create: partnerProcedure
    .input(createOrganizationInput)
    .output(organizationEnvelope)
    .mutation(({ ctx, input, path }) =>
      once(ctx, path, input, (trx) => createOrganization(trx, ctx.partnerId, input, ctx.clock())),
    ),

  update: partnerProcedure
    .input(updateOrganizationInput)
    .output(organizationEnvelope)
    .mutation(({ ctx, input, path }) =>
      once(ctx, path, input, (trx) => updateOrganization(trx, ctx.partnerId, input, ctx.clock())),
    ),

  remove: partnerProcedure
    .input(organizationIdInput)
    .mutation(({ ctx, input, path }) =>
      once(ctx, path, input, (trx) =>
        removeOrganization(trx, ctx.partnerId, input.organizationId, ctx.clock()),
      ),
    ),

  setStatus: partnerProcedure
    .input(setOrganizationStatusInput)
    .output(organizationEnvelope)
    .mutation(({ ctx, input, path }) =>
      once(ctx, path, input, (trx) =>
        setOrganizationStatus(trx, ctx.partnerId, input.organizationId, input.enabled, ctx.clock()),
      ),
    ),

  setTier: partnerProcedure
    .input(setOrganizationTierInput)
    .output(organizationEnvelope)
    .mutation(({ ctx, input, path }) =>
      once(ctx, path, input, (trx) =>
        setOrganizationTier(trx, ctx.partnerId, input.organizationId, input.tier, ctx.clock()),
      ),
    ),

  setBilling: partnerProcedure
    .input(setOrganizationBillingInput)
    .output(organizationEnvelope)
    .mutation(({ ctx, input, path }) =>
      once(ctx, path, input, (trx) =>
        setOrganizationBilling(trx, ctx.partnerId, input, ctx.clock()),
      ),
    ),

  setCredits: partnerProcedure
    .input(setOrganizationCreditsInput)
    .output(organizationEnvelope)
    .mutation(({ ctx, input, path }) =>
      once(ctx, path, input, (trx) =>
        setOrganizationCredits(
          trx,
          ctx.partnerId,
          input.organizationId,
          input.credits,
          ctx.clock(),
        ),
      ),
    ),
});
