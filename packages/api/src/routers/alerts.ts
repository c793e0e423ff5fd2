import {
  autoTopUpRuleEnvelope,
  autoTopUpSchema,
  autoTopUpTargetInput,
  balanceAlertEnvelope,
  balanceAlertListSchema,
  organizationIdInput,
  setAutoTopUpInput,
  setBalanceAlertsInput,
} from '@allot/domain';
import { deleteAutoTopUp, getAutoTopUp, setAutoTopUp } from '../services/auto-top-ups.ts';
import { listBalanceAlerts, setBalanceAlerts } from '../services/balance-alerts.ts';
import { idempotent } from '../idempotent.ts';
import { partnerProcedure, router } from '../trpc.ts';

export const balanceAlertsRouter = router({
  list: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/organizations/:organizationId/balance-alerts',
        tag: 'Credits',
        summary: 'Balance alert thresholds per credit type',
        description:
          'The thresholds per credit type below which a `credit_balance.dropped` event is sent.',
      },
    })
    .input(organizationIdInput)
    .output(balanceAlertListSchema)
    .query(({ ctx, input }) => listBalanceAlerts(ctx.db, ctx.partnerId, input.organizationId)),

  set: partnerProcedure
    .meta({
      rest: {
        method: 'PUT',
        path: '/partner/organizations/:organizationId/balance-alerts',
        tag: 'Credits',
        summary:
          'Replace the balance thresholds of a credit type: credit_balance.dropped fires once per downward crossing',
        description:
          'Replaces the thresholds of one credit type, in credits or percent of the allocation. Each downward crossing sends one `credit_balance.dropped` event.',
      },
    })
    .input(setBalanceAlertsInput)
    .output(balanceAlertEnvelope)
    .mutation(
      idempotent(({ ctx, input }) => setBalanceAlerts(ctx.db, ctx.partnerId, input, ctx.clock())),
    ),
});

export const autoTopUpRouter = router({
  get: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/organizations/:organizationId/auto-top-up',
        tag: 'Credits',
        summary: 'Auto top-up rules and the latest top-ups',
        description:
          "The organization's auto top-up rule per credit type, and the latest top-ups it made or refused.",
      },
    })
    .input(organizationIdInput)
    .output(autoTopUpSchema)
    .query(({ ctx, input }) => getAutoTopUp(ctx.db, ctx.partnerId, input.organizationId)),

  set: partnerProcedure
    .meta({
      rest: {
        method: 'PUT',
        path: '/partner/organizations/:organizationId/auto-top-up',
        tag: 'Credits',
        summary:
          'Set the auto top-up of a credit type: when the balance falls to or below the threshold, grant the amount',
        description:
          'When the balance of the credit type falls to or below the threshold, the amount is granted automatically.',
      },
    })
    .input(setAutoTopUpInput)
    .output(autoTopUpRuleEnvelope)
    .mutation(
      idempotent(({ ctx, input }) => setAutoTopUp(ctx.db, ctx.partnerId, input, ctx.clock())),
    ),

  remove: partnerProcedure
    .meta({
      rest: {
        method: 'DELETE',
        path: '/partner/organizations/:organizationId/auto-top-up',
        tag: 'Credits',
        status: 204,
        summary: 'Remove the auto top-up of a credit type',
        description: 'Stops automatic top-ups for the credit type. Credits already granted stay.',
      },
    })
    .input(autoTopUpTargetInput)
    .mutation(idempotent(({ ctx, input }) => deleteAutoTopUp(ctx.db, ctx.partnerId, input))),
});
