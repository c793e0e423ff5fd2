import {
  balancesSchema,
  consumeCreditsInput,
  consumptionSchema,
  createAmendmentInput,
  amendmentResultSchema,
  createGrantInput,
  creditTypeListSchema,
  grantEnvelope,
  grantListSchema,
  ledgerPageSchema,
  listGrantsInput,
  organizationIdInput,
  organizationLedgerExportInput,
  organizationLedgerInput,
  partnerLedgerExportInput,
  partnerLedgerInput,
  setGrantExpiryInput,
  voidGrantInput,
} from '@allot/domain';
import { listCreditTypes } from '../services/credit-types.ts';
import { createAmendment } from '../services/amendments.ts';
import { getBalances } from '../services/balances.ts';
import { createGrant, listGrants, setGrantExpiry, voidGrant } from '../services/grants.ts';
import { markReplayed } from '../services/idempotency.ts';
import { consumeForPartner } from '../services/ledger/consume.ts';
import { exportEntries, listEntries } from '../services/ledger-entries.ts';
import { idempotent } from '../idempotent.ts';
import { partnerProcedure, router } from '../trpc.ts';

export const creditsRouter = router({
  balances: partnerProcedure
    .input(organizationIdInput)
    .output(balancesSchema)
    .query(({ ctx, input }) =>
      getBalances(ctx.db, ctx.partnerId, input.organizationId, ctx.clock()),
    ),

  types: partnerProcedure.output(creditTypeListSchema).query(({ ctx }) => listCreditTypes(ctx.db)),

  grants: router({
    list: partnerProcedure
      .input(listGrantsInput)
      .output(grantListSchema)
      .query(({ ctx, input }) => listGrants(ctx.db, ctx.partnerId, input, ctx.clock())),

    create: partnerProcedure
      .input(createGrantInput)
      .output(grantEnvelope)
      .mutation(
        idempotent(({ ctx, input }) => createGrant(ctx.db, ctx.partnerId, input, ctx.clock())),
      ),

    void: partnerProcedure
      .input(voidGrantInput)
      .output(grantEnvelope)
      .mutation(
        idempotent(({ ctx, input }) => voidGrant(ctx.db, ctx.partnerId, input, ctx.clock())),
      ),

    setExpiry: partnerProcedure
      .input(setGrantExpiryInput)
      .output(grantEnvelope)
      .mutation(
        idempotent(({ ctx, input }) => setGrantExpiry(ctx.db, ctx.partnerId, input, ctx.clock())),
      ),
  }),

  amend: partnerProcedure
    .input(createAmendmentInput)
    .output(amendmentResultSchema)
    .mutation(
      idempotent(({ ctx, input }) => createAmendment(ctx.db, ctx.partnerId, input, ctx.clock())),
    ),

  /**
   * Consumes credits, e.g. of an operator-defined credit type. The Idempotency-Key is the
   * consumption's own permanent key (not the 24-hour request key of other writes): a retry,
   * however late, returns the first result marked `replayed` and is never charged twice; the
   * key with another amount, credit type or reference is a 409. It runs as one statement, so
   * the organization's balance is locked only for that statement.
   */
  consume: partnerProcedure
    .input(consumeCreditsInput)
    .output(consumptionSchema)
    .mutation(async ({ ctx, input }) => {
      const result = await consumeForPartner(
        ctx.db,
        ctx.partnerId,
        input,
        ctx.credentials.idempotencyKey ?? null,
        ctx.clock(),
      );
      if (result.consumption.replayed) markReplayed(ctx);
      return result;
    }),

  ledger: partnerProcedure
    .input(organizationLedgerInput)
    .output(ledgerPageSchema)
    .query(({ ctx, input }) => listEntries(ctx.db, ctx.partnerId, input, ctx.clock())),

  partnerLedger: partnerProcedure
    .input(partnerLedgerInput)
    .output(ledgerPageSchema)
    .query(({ ctx, input }) => listEntries(ctx.db, ctx.partnerId, input, ctx.clock())),

  /** The organization's ledger as CSV chunks (streamed by the REST adapter). */
  exportLedger: partnerProcedure
    .input(organizationLedgerExportInput)
    .query(({ ctx, input }) => exportEntries(ctx.db, ctx.partnerId, input, ctx.clock())),

  /** The partner's whole ledger (pool and organizations) as CSV chunks. */
  exportPartnerLedger: partnerProcedure
    .input(partnerLedgerExportInput)
    .query(({ ctx, input }) => exportEntries(ctx.db, ctx.partnerId, input, ctx.clock())),
});
