import {
  exportInvoicesInput,
  exportPartnerInvoicesInput,
  invoiceEnvelope,
  invoiceIdInput,
  invoiceListSchema,
  issueInvoiceInput,
  listInvoicesInput,
  listPartnerInvoicesInput,
  partnerIdInput,
  recordPaymentInput,
  upcomingInvoiceEnvelope,
  voidInvoiceInput,
} from '@allot/domain';
import { idempotent } from '../idempotent.ts';
import {
  invoiceLinesCsv,
  invoicesCsv,
  issueInvoiceNow,
  listInvoices,
  readInvoice,
  recordPayment,
  upcomingInvoice,
  voidInvoice,
} from '../services/invoices/index.ts';
import { requirePartner } from '../services/partners.ts';
import { OPERATOR_INVOICES, type InvoiceScope } from '../services/invoices/scope.ts';

/** A partner's bills: the operator's invoices to it. */
const ownBills = (partnerId: string): InvoiceScope => ({ issuer: 'operator', partnerId });
import { invoicePdf } from '../services/invoices/pdf.ts';
import { operatorProcedure, partnerProcedure, router } from '../trpc.ts';

/** The operator's invoices to partners: issue now, read, record payments, void. */
export const operatorInvoicesRouter = router({
  issue: operatorProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/operator/partners/:partnerId/invoices',
        tag: 'Invoices',
        status: 201,
        summary: 'Invoice a partner now for everything not yet invoiced',
        description:
          "Issues an invoice for every ledger entry not yet billed up to now, at the partner's current prices: the pool credits issued (credit_pool, in advance) or the credits its organizations consumed (usage_based: within allowance and overage apart; external). The next scheduled invoice bills only what came after. 422 nothing_to_invoice when there is nothing (or the partner is not priced). Honours Idempotency-Key.",
      },
    })
    .input(issueInvoiceInput)
    .output(invoiceEnvelope)
    .mutation(
      idempotent(({ ctx, input }) => issueInvoiceNow(ctx.db, input.partnerId, ctx.clock())),
    ),

  upcoming: operatorProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/operator/partners/:partnerId/invoices/upcoming',
        tag: 'Invoices',
        summary: "A partner's upcoming invoice, as a draft",
        description:
          "What the partner's next period boundary will invoice, as it stands now: everything not yet billed and, in credit_pool, the next period's pool in advance, with the monetary credits available now that it would apply. A draft: no number, nothing recorded. null when the partner is not priced.",
      },
    })
    .input(partnerIdInput)
    .output(upcomingInvoiceEnvelope)
    .query(async ({ ctx, input }) => {
      await requirePartner(ctx.db, input.partnerId);
      return upcomingInvoice(ctx.db, input.partnerId, ctx.clock());
    }),

  list: operatorProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/operator/invoices',
        tag: 'Invoices',
        summary: 'List invoices, newest first, by partner and status',
        description: 'Every invoice the operator issued, with its lines and payments.',
      },
    })
    .input(listInvoicesInput.prefault({}))
    .output(invoiceListSchema)
    .query(({ ctx, input }) =>
      listInvoices(ctx.db, { issuer: 'operator', partnerId: input.partnerId }, input, ctx.clock()),
    ),

  exportInvoices: operatorProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/operator/invoices.csv',
        tag: 'Invoices',
        format: 'csv',
        filename: 'invoices.csv',
        summary: 'Invoices as a streamed CSV file, one row per invoice',
        description:
          'Every invoice matching the filters, in issue order, with its totals, amount paid and amount due, streamed in constant memory.',
      },
    })
    .input(exportInvoicesInput.prefault({}))
    .query(({ ctx, input }) =>
      invoicesCsv(
        ctx.db,
        { scope: { issuer: 'operator', partnerId: input.partnerId }, status: input.status },
        ctx.clock(),
      ),
    ),

  exportLines: operatorProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/operator/invoice-lines.csv',
        tag: 'Invoices',
        format: 'csv',
        filename: 'invoice-lines.csv',
        summary: 'Invoice lines as a streamed CSV file, one row per line',
        description:
          "Every line of the invoices matching the filters, with its invoice's number, in issue order then line order.",
      },
    })
    .input(exportInvoicesInput.prefault({}))
    .query(({ ctx, input }) =>
      invoiceLinesCsv(
        ctx.db,
        { scope: { issuer: 'operator', partnerId: input.partnerId }, status: input.status },
        ctx.clock(),
      ),
    ),

  get: operatorProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/operator/invoices/:invoiceId',
        tag: 'Invoices',
        summary: 'One invoice',
        description: 'An invoice with its lines, totals and payments.',
      },
    })
    .input(invoiceIdInput)
    .output(invoiceEnvelope)
    .query(async ({ ctx, input }) => ({
      invoice: await readInvoice(ctx.db, input.invoiceId, ctx.clock(), OPERATOR_INVOICES),
    })),

  pdf: operatorProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/operator/invoices/:invoiceId/pdf',
        tag: 'Invoices',
        format: 'pdf',
        filename: 'invoice.pdf',
        summary: 'One invoice as a PDF document',
        description: 'The invoice as a PDF document, streamed page by page.',
      },
    })
    .input(invoiceIdInput)
    .query(async ({ ctx, input }) =>
      invoicePdf(await readInvoice(ctx.db, input.invoiceId, ctx.clock(), OPERATOR_INVOICES)),
    ),

  pay: operatorProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/operator/invoices/:invoiceId/payments',
        tag: 'Invoices',
        summary: 'Record a payment received',
        description:
          "Records money received, in the invoice's currency: partial payments add up, and the one that reaches the total marks the invoice paid. More than is due is a 422 overpayment; a void or paid invoice takes no payment.",
      },
    })
    .input(recordPaymentInput)
    .output(invoiceEnvelope)
    .mutation(
      idempotent(({ ctx, input }) => recordPayment(ctx.db, input, ctx.clock(), OPERATOR_INVOICES)),
    ),

  void: operatorProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/operator/invoices/:invoiceId/void',
        tag: 'Invoices',
        summary: 'Void an unpaid invoice',
        description:
          'Voids an invoice nothing was paid against, with a reason. Its number is never reused; what it billed is billed again by the next invoice. A paid or partly paid invoice cannot be voided (422).',
      },
    })
    .input(voidInvoiceInput)
    .output(invoiceEnvelope)
    .mutation(
      idempotent(({ ctx, input }) => voidInvoice(ctx.db, input, ctx.clock(), OPERATOR_INVOICES)),
    ),
});

/** A partner's bills from the operator. Another partner's invoice is a 404. */
export const partnerInvoicesRouter = router({
  pdf: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/billing/invoices/:invoiceId/pdf',
        tag: 'Invoices',
        format: 'pdf',
        filename: 'invoice.pdf',
        summary: 'One of your invoices as a PDF document',
        description:
          'The invoice as a PDF document (issuer, customer, number, dates, lines, totals, amount due and payment terms), streamed page by page.',
      },
    })
    .input(invoiceIdInput)
    .query(async ({ ctx, input }) =>
      invoicePdf(await readInvoice(ctx.db, input.invoiceId, ctx.clock(), ownBills(ctx.partnerId))),
    ),

  upcoming: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/billing/invoices/upcoming',
        tag: 'Invoices',
        summary: 'Your upcoming invoice, as a draft',
        description:
          "What your next period boundary will invoice, as it stands now: everything not yet billed and, in credit_pool, the next period's pool in advance, with the monetary credits available now that it would apply. A draft: no number, and it changes until it is issued. null when the platform has not priced your account.",
      },
    })
    .output(upcomingInvoiceEnvelope)
    .query(({ ctx }) => upcomingInvoice(ctx.db, ctx.partnerId, ctx.clock())),

  list: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/billing/invoices',
        tag: 'Invoices',
        summary: 'Your invoices from the platform, newest first',
        description: 'The invoices the platform issued to you, with their lines and payments.',
      },
    })
    .input(listPartnerInvoicesInput.prefault({}))
    .output(invoiceListSchema)
    .query(({ ctx, input }) => listInvoices(ctx.db, ownBills(ctx.partnerId), input, ctx.clock())),

  exportInvoices: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/billing/invoices.csv',
        tag: 'Invoices',
        format: 'csv',
        filename: 'invoices.csv',
        summary: 'Your invoices as a streamed CSV file, one row per invoice',
        description:
          'Every invoice the platform issued you (or those of one status), in issue order, with totals, amount paid and amount due.',
      },
    })
    .input(exportPartnerInvoicesInput.prefault({}))
    .query(({ ctx, input }) =>
      invoicesCsv(ctx.db, { scope: ownBills(ctx.partnerId), status: input.status }, ctx.clock()),
    ),

  exportLines: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/billing/invoice-lines.csv',
        tag: 'Invoices',
        format: 'csv',
        filename: 'invoice-lines.csv',
        summary: 'Your invoice lines as a streamed CSV file, one row per line',
        description:
          "Every line of your invoices, with its invoice's number, in issue order then line order.",
      },
    })
    .input(exportPartnerInvoicesInput.prefault({}))
    .query(({ ctx, input }) =>
      invoiceLinesCsv(
        ctx.db,
        { scope: ownBills(ctx.partnerId), status: input.status },
        ctx.clock(),
      ),
    ),

  get: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/billing/invoices/:invoiceId',
        tag: 'Invoices',
        summary: 'One of your invoices',
        description: 'An invoice the platform issued to you; another partner’s is a 404.',
      },
    })
    .input(invoiceIdInput)
    .output(invoiceEnvelope)
    .query(async ({ ctx, input }) => ({
      invoice: await readInvoice(ctx.db, input.invoiceId, ctx.clock(), ownBills(ctx.partnerId)),
    })),
});
