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
import { idempotent } from '../idempotent.ts';
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
    .mutation(
      idempotent(({ ctx, input }) => createOrganization(ctx.db, ctx.partnerId, input, ctx.clock())),
    ),

  update: partnerProcedure
    .input(updateOrganizationInput)
    .output(organizationEnvelope)
    .mutation(
      idempotent(({ ctx, input }) => updateOrganization(ctx.db, ctx.partnerId, input, ctx.clock())),
    ),

  remove: partnerProcedure
    .input(organizationIdInput)
    .mutation(
      idempotent(({ ctx, input }) =>
        removeOrganization(ctx.db, ctx.partnerId, input.organizationId, ctx.clock()),
      ),
    ),

  setStatus: partnerProcedure
    .input(setOrganizationStatusInput)
    .output(organizationEnvelope)
    .mutation(
      idempotent(({ ctx, input }) =>
        setOrganizationStatus(
          ctx.db,
          ctx.partnerId,
          input.organizationId,
          input.enabled,
          ctx.clock(),
        ),
      ),
    ),

  setTier: partnerProcedure
    .input(setOrganizationTierInput)
    .output(organizationEnvelope)
    .mutation(
      idempotent(({ ctx, input }) =>
        setOrganizationTier(ctx.db, ctx.partnerId, input.organizationId, input.tier, ctx.clock()),
      ),
    ),

  setBilling: partnerProcedure
    .input(setOrganizationBillingInput)
    .output(organizationEnvelope)
    .mutation(
      idempotent(({ ctx, input }) =>
        setOrganizationBilling(ctx.db, ctx.partnerId, input, ctx.clock()),
      ),
    ),

  setCredits: partnerProcedure
    .input(setOrganizationCreditsInput)
    .output(organizationEnvelope)
    .mutation(
      idempotent(({ ctx, input }) =>
        setOrganizationCredits(
          ctx.db,
          ctx.partnerId,
          input.organizationId,
          input.credits,
          ctx.clock(),
        ),
      ),
    ),
});
