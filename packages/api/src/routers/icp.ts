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
    .input(organizationIdInput)
    .output(icpProfileListSchema)
    .query(({ ctx, input }) => listIcpProfiles(ctx.db, ctx.partnerId, input.organizationId)),

  create: partnerProcedure
    .input(createIcpProfileInput)
    .output(icpProfileEnvelope)
    .mutation(
      idempotent(({ ctx, input }) => createIcpProfile(ctx.db, ctx.partnerId, input, ctx.clock())),
    ),

  update: partnerProcedure
    .input(updateIcpProfileInput)
    .output(icpProfileEnvelope)
    .mutation(
      idempotent(({ ctx, input }) => updateIcpProfile(ctx.db, ctx.partnerId, input, ctx.clock())),
    ),

  remove: partnerProcedure
    .input(icpProfileIdInput)
    .mutation(idempotent(({ ctx, input }) => deleteIcpProfile(ctx.db, ctx.partnerId, input))),
});
