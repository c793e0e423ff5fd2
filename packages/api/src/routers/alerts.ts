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
    .input(organizationIdInput)
    .output(balanceAlertListSchema)
    .query(({ ctx, input }) => listBalanceAlerts(ctx.db, ctx.partnerId, input.organizationId)),

  set: partnerProcedure
    .input(setBalanceAlertsInput)
    .output(balanceAlertEnvelope)
    .mutation(
      idempotent(({ ctx, input }) => setBalanceAlerts(ctx.db, ctx.partnerId, input, ctx.clock())),
    ),
});

export const autoTopUpRouter = router({
  get: partnerProcedure
    .input(organizationIdInput)
    .output(autoTopUpSchema)
    .query(({ ctx, input }) => getAutoTopUp(ctx.db, ctx.partnerId, input.organizationId)),

  set: partnerProcedure
    .input(setAutoTopUpInput)
    .output(autoTopUpRuleEnvelope)
    .mutation(
      idempotent(({ ctx, input }) => setAutoTopUp(ctx.db, ctx.partnerId, input, ctx.clock())),
    ),

  remove: partnerProcedure
    .input(autoTopUpTargetInput)
    .mutation(idempotent(({ ctx, input }) => deleteAutoTopUp(ctx.db, ctx.partnerId, input))),
});
