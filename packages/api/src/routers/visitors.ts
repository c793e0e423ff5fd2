import { listVisitorsInput, visitorListSchema } from '@allot/domain';
import { listVisitors } from '../services/visitors.ts';
import { partnerProcedure, router } from '../trpc.ts';

export const visitorsRouter = router({
  list: partnerProcedure
    .input(listVisitorsInput)
    .output(visitorListSchema)
    .query(({ ctx, input }) => listVisitors(ctx.db, ctx.partnerId, input)),
});
