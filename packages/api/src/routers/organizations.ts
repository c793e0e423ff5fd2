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
import { examples } from '../rest-examples.ts';
import { partnerProcedure, router } from '../trpc.ts';

export const organizationsRouter = router({
  list: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/organizations',
        tag: 'Organizations',
        summary: 'List organizations with pagination and filtering',
        description:
          'Organizations of the calling partner, newest first unless `sort` says otherwise. `total` counts every match over all pages; filters combine.',
        examples: examples['organizations.list'],
      },
    })
    .input(listOrganizationsInput)
    .output(organizationListSchema)
    .query(({ ctx, input }) => listOrganizations(ctx.db, ctx.partnerId, input, ctx.clock())),

  get: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/organizations/:organizationId',
        tag: 'Organizations',
        summary: 'Retrieve an organization',
        description:
          "One organization of the calling partner, with its current allocation, consumption and billing period. Another partner's organization is a 404.",
        examples: examples['organizations.get'],
      },
    })
    .input(organizationIdInput)
    .output(organizationEnvelope)
    .query(({ ctx, input }) =>
      getOrganization(ctx.db, ctx.partnerId, input.organizationId, ctx.clock()),
    ),

  create: partnerProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/partner/organizations',
        tag: 'Organizations',
        status: 201,
        summary: 'Create an organization (its initial credits are drawn from the pool)',
        description:
          'Creates a client organization under the partner. In credit_pool mode its initial credits are drawn from the pool, and a pool too small is a 422; a trial organization holds at most 500 credits. Its pixel key is issued at once.',
        examples: examples['organizations.create'],
      },
    })
    .input(createOrganizationInput)
    .output(organizationEnvelope)
    .mutation(
      idempotent(({ ctx, input }) => createOrganization(ctx.db, ctx.partnerId, input, ctx.clock())),
    ),

  update: partnerProcedure
    .meta({
      rest: {
        method: 'PUT',
        path: '/partner/organizations/:organizationId',
        tag: 'Organizations',
        summary: 'Update an organization; `credits` sets the current allocation',
        description:
          "Changes the given fields only. `credits` sets the current period's allocation as `PUT .../credits` does; `metadata` replaces the whole object; `externalId: null` clears it.",
        examples: examples['organizations.update'],
      },
    })
    .input(updateOrganizationInput)
    .output(organizationEnvelope)
    .mutation(
      idempotent(({ ctx, input }) => updateOrganization(ctx.db, ctx.partnerId, input, ctx.clock())),
    ),

  remove: partnerProcedure
    .meta({
      rest: {
        method: 'DELETE',
        path: '/partner/organizations/:organizationId',
        tag: 'Organizations',
        status: 204,
        summary: 'Soft-delete an organization (status `canceled`; nothing is erased)',
        description:
          "Cancels the organization: its status becomes `canceled`, its pixel stops identifying, and its data and ledger are kept. In the same transaction the organization's unspent allocation is given back: its allocation (`credits`) drops to what it consumed of it this period, and the rest returns to the pool in `credit_pool` mode (`creditsAllocated` drops, `creditsUnallocated` rises by as much; ledger entries of type `reclaim`), or to the issuance account in `external` and `usage_based` mode. Grants (promotional, purchased, compensation) stay with it, unspendable while it is canceled; void one to return it. Emits `credits.allocated` and `organization.status_changed`. Deleting a canceled organization changes nothing.",
      },
    })
    .input(organizationIdInput)
    .mutation(
      idempotent(({ ctx, input }) =>
        removeOrganization(ctx.db, ctx.partnerId, input.organizationId, ctx.clock()),
      ),
    ),

  setStatus: partnerProcedure
    .meta({
      rest: {
        method: 'PUT',
        path: '/partner/organizations/:organizationId/status',
        tag: 'Organizations',
        summary: 'Enable or disable an organization',
        description:
          '`enabled: false` suspends an active organization (its script answers an empty body and its events are refused; nothing is deleted) and leaves a canceled one canceled. `enabled: true` activates a suspended organization or restores a canceled one. A restored organization comes back with nothing left of the allocation its deletion gave back (`credits` is what it had consumed this period, 0 if nothing) and its grants spendable again; `PUT .../credits` raises its allocation from there.',
        examples: examples['organizations.setStatus'],
      },
    })
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
    .meta({
      rest: {
        method: 'PUT',
        path: '/partner/organizations/:organizationId/tier',
        tag: 'Organizations',
        summary: 'Change the tier (trial holds at most 500 credits)',
        description:
          'Moves the organization between `trial` and `paid`. Downgrading to trial with more than 500 credits allocated is a 422.',
        examples: examples['organizations.setTier'],
      },
    })
    .input(setOrganizationTierInput)
    .output(organizationEnvelope)
    .mutation(
      idempotent(({ ctx, input }) =>
        setOrganizationTier(ctx.db, ctx.partnerId, input.organizationId, input.tier, ctx.clock()),
      ),
    ),

  setBilling: partnerProcedure
    .meta({
      rest: {
        method: 'PUT',
        path: '/partner/organizations/:organizationId/billing',
        tag: 'Organizations',
        summary: 'Update the billing period, day, recurring allowance and charge guards',
        description:
          "Changes the organization's billing period, the day of the month it starts on, the allowance granted again at each period start, and the guards on what its pixel may charge: identificationCap (the most identifications charged per billing period and per UTC day; a cap set mid-period counts those charged before it) and anomalyThreshold (the most new identifications charged per hour from one network). Past a guard, visits are recorded unidentified and a credit_usage.cap_reached or pixel.anomaly event is written once per window. Fields left out keep their value.",
        examples: examples['organizations.setBilling'],
      },
    })
    .input(setOrganizationBillingInput)
    .output(organizationEnvelope)
    .mutation(
      idempotent(({ ctx, input }) =>
        setOrganizationBilling(ctx.db, ctx.partnerId, input, ctx.clock()),
      ),
    ),

  setCredits: partnerProcedure
    .meta({
      rest: {
        method: 'PUT',
        path: '/partner/organizations/:organizationId/credits',
        tag: 'Credits',
        summary: "Set the organization's allocation for the current period",
        description:
          'Raising the allocation draws the difference from the pool (credit_pool mode); lowering it returns unused credits to the pool. Lowering below what was consumed this period, or past the pool or the trial cap, is a 422.',
      },
    })
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
