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
import { once } from '../services/idempotency.ts';
import { partnerProcedure, router } from '../trpc.ts';

export const icpRouter = router({
  list: partnerProcedure
    .input(organizationIdInput)
    .output(icpProfileListSchema)
    .query(({ ctx, input }) => listIcpProfiles(ctx.db, ctx.partnerId, input.organizationId)),

  create: partnerProcedure
    .input(createIcpProfileInput)
    .output(icpProfileEnvelope)
    .mutation(({ ctx, input, path }) =>
      once(ctx, path, input, (trx) => createIcpProfile(trx, ctx.partnerId, input, ctx.clock())),
    ),

  update: partnerProcedure
    .input(updateIcpProfileInput)
    .output(icpProfileEnvelope)
    .mutation(({ ctx, input, path }) =>
      once(ctx, path, input, (trx) => updateIcpProfile(trx, ctx.partnerId, input, ctx.clock())),
    ),

  remove: partnerProcedure
    .input(icpProfileIdInput)
    .mutation(({ ctx, input, path }) =>
      once(ctx, path, input, (trx) => deleteIcpProfile(trx, ctx.partnerId, input)),
    ),
});
