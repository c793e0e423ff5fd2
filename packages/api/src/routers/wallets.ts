import {
  createWalletGrantInput,
  grantEnvelope,
  grantListSchema,
  listOwnWalletGrantsInput,
  listWalletGrantsInput,
  voidWalletGrantInput,
  walletSchema,
} from '@allot/domain';
import { idempotent } from '../idempotent.ts';
import { requirePartner } from '../services/partners.ts';
import {
  createWalletGrant,
  listWalletGrants,
  readWallet,
  voidWalletGrant,
} from '../services/wallets.ts';
import { operatorProcedure, partnerProcedure, router } from '../trpc.ts';

/** The operator's monetary credits to a partner, applied to its invoices. */
export const operatorWalletRouter = router({
  grant: operatorProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/operator/partners/:partnerId/credits/grants',
        tag: 'Invoices',
        status: 201,
        summary: 'Grant a partner monetary credits, applied to its invoices',
        description:
          "Grants credits of a monetary credit type (one credit is one minor unit: 5000 usd credits are $50.00) to the partner's wallet: a service credit, a prepayment. At issue each invoice applies the available credits in its currency, soonest expiring first (the ledger's burn order), up to its total; they are pending until the invoice is paid and come back if it is voided. A unit credit type is a 422 not_monetary. Honours Idempotency-Key.",
      },
    })
    .input(createWalletGrantInput)
    .output(grantEnvelope)
    .mutation(idempotent(({ ctx, input }) => createWalletGrant(ctx.db, input, ctx.clock()))),

  grants: operatorProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/operator/partners/:partnerId/credits/grants',
        tag: 'Invoices',
        summary: "A partner's monetary credit grants, newest first",
        description: 'Every grant to the partner’s wallet, with what is left of it and its status.',
      },
    })
    .input(listWalletGrantsInput)
    .output(grantListSchema)
    .query(async ({ ctx, input }) => {
      await requirePartner(ctx.db, input.partnerId);
      return listWalletGrants(ctx.db, input, ctx.clock());
    }),

  voidGrant: operatorProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/operator/partners/:partnerId/credits/grants/:grantId/void',
        tag: 'Invoices',
        summary: 'Void a monetary credit grant',
        description:
          'Its unapplied remainder is voided; credits already applied to an invoice stay on it (and are voided too if that invoice is voided later).',
      },
    })
    .input(voidWalletGrantInput)
    .output(grantEnvelope)
    .mutation(idempotent(({ ctx, input }) => voidWalletGrant(ctx.db, input, ctx.clock()))),
});

/** A partner's own monetary credits. */
export const partnerWalletRouter = router({
  get: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/billing/credits',
        tag: 'Invoices',
        summary: 'Your monetary credit balances: available and pending',
        description:
          'Per monetary credit type the platform granted you: what will be applied to your next invoices (available), what is applied to invoices not yet paid (pending), and what expires within 30 days, in credits and in the currency.',
      },
    })
    .output(walletSchema)
    .query(({ ctx }) => readWallet(ctx.db, ctx.partnerId, ctx.clock())),

  grants: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/billing/credits/grants',
        tag: 'Invoices',
        summary: 'Your monetary credit grants, newest first',
        description: 'Every monetary credit grant the platform made you, with what is left of it.',
      },
    })
    .input(listOwnWalletGrantsInput.prefault({}))
    .output(grantListSchema)
    .query(({ ctx, input }) =>
      listWalletGrants(ctx.db, { ...input, partnerId: ctx.partnerId }, ctx.clock()),
    ),
});
