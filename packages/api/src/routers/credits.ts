import {
  balancesSchema,
  consumeCreditsInput,
  consumptionSchema,
  createAmendmentInput,
  amendmentResultSchema,
  createGrantInput,
  creditTypeListSchema,
  createdGrantEnvelope,
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
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/organizations/:organizationId/credits',
        tag: 'Credits',
        summary: 'Balances per credit type: available, used, allocated, expiring soon, overage',
        description:
          'One balance per credit type: what is spendable now, what was used and allocated this period, what expires within 30 days, and any overage. Expired credits never count.',
      },
    })
    .input(organizationIdInput)
    .output(balancesSchema)
    .query(({ ctx, input }) =>
      getBalances(ctx.db, ctx.partnerId, input.organizationId, ctx.clock()),
    ),

  grants: router({
    create: partnerProcedure
      .meta({
        rest: {
          method: 'POST',
          path: '/partner/organizations/:organizationId/credits/grants',
          tag: 'Credits',
          status: 201,
          summary: 'Grant credits (drawn from the pool in credit_pool mode)',
          description:
            "Adds a block of credits to the organization, with an optional expiry, priority and cost basis. In credit_pool mode the amount is drawn from the pool. A monetary credit type (e.g. usd: a welcome or service credit, in minor units) draws on no pool, is not counted by the trial cap, and is applied to the organization's invoices. kind purchased with invoice: true issues the organization an invoice for amount × costBasis (or its creditUnitPrice) in the same transaction, answered as `invoice`.",
        },
      })
      .input(createGrantInput)
      .output(createdGrantEnvelope)
      .mutation(
        idempotent(({ ctx, input }) => createGrant(ctx.db, ctx.partnerId, input, ctx.clock())),
      ),

    list: partnerProcedure
      .meta({
        rest: {
          method: 'GET',
          path: '/partner/organizations/:organizationId/credits/grants',
          tag: 'Credits',
          summary: "List the organization's grants (blocks of credits), newest first",
          description:
            'Every block of credits the organization holds or held, newest first, with what remains of each.',
        },
      })
      .input(listGrantsInput)
      .output(grantListSchema)
      .query(({ ctx, input }) => listGrants(ctx.db, ctx.partnerId, input, ctx.clock())),

    void: partnerProcedure
      .meta({
        rest: {
          method: 'POST',
          path: '/partner/organizations/:organizationId/credits/grants/:grantId/void',
          tag: 'Credits',
          summary:
            'Void a grant: its unused remainder leaves (back to the pool in credit_pool mode)',
          description:
            'Removes what remains of a grant, with a reason for the audit trail; in credit_pool mode it goes back to the pool. Credits already consumed stay consumed.',
        },
      })
      .input(voidGrantInput)
      .output(grantEnvelope)
      .mutation(
        idempotent(({ ctx, input }) => voidGrant(ctx.db, ctx.partnerId, input, ctx.clock())),
      ),

    setExpiry: partnerProcedure
      .meta({
        rest: {
          method: 'PUT',
          path: '/partner/organizations/:organizationId/credits/grants/:grantId/expiry',
          tag: 'Credits',
          summary: "Change a grant's expiry (null: never expires)",
          description: "Moves a grant's expiry, or removes it with `null`.",
        },
      })
      .input(setGrantExpiryInput)
      .output(grantEnvelope)
      .mutation(
        idempotent(({ ctx, input }) => setGrantExpiry(ctx.db, ctx.partnerId, input, ctx.clock())),
      ),
  }),

  amend: partnerProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/partner/organizations/:organizationId/credits/amendments',
        tag: 'Credits',
        status: 201,
        summary: 'Correct consumption: give consumed credits back (+) or charge more (-)',
        description:
          'A signed correction of consumption: a positive amount gives consumed credits back, a negative one charges more. Each amendment is a ledger entry with its reason.',
      },
    })
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
    .meta({
      rest: {
        method: 'POST',
        path: '/partner/organizations/:organizationId/credits/consumptions',
        tag: 'Credits',
        status: 201,
        summary: 'Consume credits; the Idempotency-Key is the permanent key of the consumption',
        description:
          'Consumes credits in burn order (priority, then soonest expiry). Without enough credits the consumption is refused (`granted: false`) unless the partner is usage_based, where the excess is overage. The Idempotency-Key makes the consumption happen at most once.',
      },
    })
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
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/organizations/:organizationId/credits/ledger',
        tag: 'Credits',
        summary: "The organization's ledger entries, oldest first, by cursor",
        description:
          "The organization's ledger entries in the order they were written; each records the balance after it. Pass `nextCursor` as `cursor` for the next page.",
      },
    })
    .input(organizationLedgerInput)
    .output(ledgerPageSchema)
    .query(({ ctx, input }) => listEntries(ctx.db, ctx.partnerId, input, ctx.clock())),

  /** The organization's ledger as CSV chunks (streamed by the REST adapter). */
  exportLedger: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/organizations/:organizationId/credits/ledger.csv',
        tag: 'Credits',
        format: 'csv',
        filename: 'ledger.csv',
        summary: "The organization's ledger as a streamed CSV file",
        description:
          'The same entries as the ledger endpoint, as a CSV file streamed row by row, so any history size downloads in constant memory.',
      },
    })
    .input(organizationLedgerExportInput)
    .query(({ ctx, input }) => exportEntries(ctx.db, ctx.partnerId, input, ctx.clock())),

  partnerLedger: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/credits/ledger',
        tag: 'Credits',
        summary: "The partner's ledger (its pool and every organization), oldest first, by cursor",
        description:
          "Entries of the partner's pool and of every organization of the partner, in the order they were written, by cursor.",
      },
    })
    .input(partnerLedgerInput)
    .output(ledgerPageSchema)
    .query(({ ctx, input }) => listEntries(ctx.db, ctx.partnerId, input, ctx.clock())),

  /** The partner's whole ledger (pool and organizations) as CSV chunks. */
  exportPartnerLedger: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/credits/ledger.csv',
        tag: 'Credits',
        format: 'csv',
        filename: 'ledger.csv',
        summary: "The partner's whole ledger as a streamed CSV file",
        description: "The partner's whole ledger (pool and organizations) as a streamed CSV file.",
      },
    })
    .input(partnerLedgerExportInput)
    .query(({ ctx, input }) => exportEntries(ctx.db, ctx.partnerId, input, ctx.clock())),

  types: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/credit-types',
        tag: 'Credits',
        summary: 'The credit types balances, grants and entries are kept in',
        description:
          'The credit types the platform keeps balances in; every balance, grant and ledger entry names one.',
      },
    })
    .output(creditTypeListSchema)
    .query(({ ctx }) => listCreditTypes(ctx.db)),
});
