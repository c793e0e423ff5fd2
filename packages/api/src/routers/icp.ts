import {
  createIcpProfileInput,
  icpProfileEnvelope,
  icpProfileIdInput,
  icpProfileListSchema,
  organizationIdInput,
  updateIcpProfileInput,
} from '@allot/domain';
import {
  createIcpProfile,
  deleteIcpProfile,
  listIcpProfiles,
  updateIcpProfile,
} from '../services/icp.ts';
import { idempotent } from '../idempotent.ts';
import { partnerProcedure, router } from '../trpc.ts';

export const icpRouter = router({
  list: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/organizations/:organizationId/icp',
        tag: 'Visitors',
        summary: 'List the ideal customer profiles visitors are matched against',
        description:
          'The ideal customer profiles of the organization; a visitor matches a profile when it satisfies all of its rules.',
      },
    })
    .input(organizationIdInput)
    .output(icpProfileListSchema)
    .query(({ ctx, input }) => listIcpProfiles(ctx.db, ctx.partnerId, input.organizationId)),

  create: partnerProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/partner/organizations/:organizationId/icp',
        tag: 'Visitors',
        status: 201,
        summary: 'Add an ideal customer profile; existing visitors are matched again',
        description:
          'Adds a profile and matches every existing visitor of the organization against it again.',
      },
    })
    .input(createIcpProfileInput)
    .output(icpProfileEnvelope)
    .mutation(
      idempotent(({ ctx, input }) => createIcpProfile(ctx.db, ctx.partnerId, input, ctx.clock())),
    ),

  update: partnerProcedure
    .meta({
      rest: {
        method: 'PUT',
        path: '/partner/organizations/:organizationId/icp/:icpId',
        tag: 'Visitors',
        summary: 'Replace an ideal customer profile; existing visitors are matched again',
        description:
          "Replaces a profile's name and rules and matches every existing visitor again.",
      },
    })
    .input(updateIcpProfileInput)
    .output(icpProfileEnvelope)
    .mutation(
      idempotent(({ ctx, input }) => updateIcpProfile(ctx.db, ctx.partnerId, input, ctx.clock())),
    ),

  remove: partnerProcedure
    .meta({
      rest: {
        method: 'DELETE',
        path: '/partner/organizations/:organizationId/icp/:icpId',
        tag: 'Visitors',
        status: 204,
        summary: 'Delete an ideal customer profile; visitors no longer match it',
        description: 'Deletes a profile; no visitor matches it afterwards.',
      },
    })
    .input(icpProfileIdInput)
    .mutation(idempotent(({ ctx, input }) => deleteIcpProfile(ctx.db, ctx.partnerId, input))),
});
