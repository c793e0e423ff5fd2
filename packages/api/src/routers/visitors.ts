import { listVisitorsInput, visitorListSchema } from '@allot/domain';
import { listVisitors } from '../services/visitors.ts';
import { examples } from '../rest-examples.ts';
import { partnerProcedure, router } from '../trpc.ts';

export const visitorsRouter = router({
  list: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/organizations/:organizationId/visitors',
        tag: 'Visitors',
        summary: 'List identified visitors',
        description:
          'Visitors of the organization, page by page, with who they were identified as, their ICP match and their engagement.',
        examples: examples['visitors.list'],
      },
    })
    .input(listVisitorsInput)
    .output(visitorListSchema)
    .query(({ ctx, input }) => listVisitors(ctx.db, ctx.partnerId, input)),
});
