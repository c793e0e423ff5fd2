import {
  exportClientInvoicesInput,
  invoiceEmailEnvelope,
  invoiceEnvelope,
  invoiceIdInput,
  invoiceListSchema,
  listClientInvoicesInput,
  organizationIdInput,
  recordPaymentInput,
  upcomingInvoiceEnvelope,
  voidInvoiceInput,
} from '@allot/domain';
import { idempotent } from '../idempotent.ts';
import {
  invoiceLinesCsv,
  invoicesCsv,
  listInvoices,
  readInvoice,
  recordPayment,
  voidInvoice,
  type InvoiceScope,
} from '../services/invoices/index.ts';
import { issueClientInvoiceNow } from '../services/invoices/client-issue.ts';
import { upcomingClientInvoice } from '../services/invoices/client-upcoming.ts';
import { invoiceEmail } from '../services/invoices/email.ts';
import { invoicePdf } from '../services/invoices/pdf.ts';
import { partnerProcedure, router } from '../trpc.ts';

/** A partner's invoices to its organizations; never its own bills, never another partner's. */
const clientInvoices = (partnerId: string, organizationId?: string): InvoiceScope => ({
  issuer: 'partner',
  partnerId,
  organizationId,
});

/** A partner invoicing its organizations: bill now, read, record payments, void, export. */
export const clientInvoicesRouter = router({
  issue: partnerProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/partner/organizations/:organizationId/invoices',
        tag: 'Client invoices',
        status: 201,
        summary: 'Invoice an organization now for everything not yet invoiced',
        description:
          'Issues your invoice to the organization for everything not yet billed up to now, at its prices: the fees of its periods begun, any credit sale whose invoice was voided, and (usage_based) its overage so far; its monetary credits are applied, soonest expiring first. 422 nothing_to_invoice when there is nothing (or it has no prices). Honours Idempotency-Key.',
      },
    })
    .input(organizationIdInput)
    .output(invoiceEnvelope)
    .mutation(
      idempotent(({ ctx, input }) =>
        issueClientInvoiceNow(ctx.db, ctx.partnerId, input.organizationId, ctx.clock()),
      ),
    ),

  upcoming: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/organizations/:organizationId/invoices/upcoming',
        tag: 'Client invoices',
        summary: "An organization's upcoming invoice, as a draft",
        description:
          "What the organization's next period start will invoice, as it stands now: fees not yet billed and the next period's fee in advance, and its overage so far, with the monetary credits available now that it would apply. A draft: no number, nothing recorded. null when it has no prices.",
      },
    })
    .input(organizationIdInput)
    .output(upcomingInvoiceEnvelope)
    .query(({ ctx, input }) =>
      upcomingClientInvoice(ctx.db, ctx.partnerId, input.organizationId, ctx.clock()),
    ),

  list: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/invoices',
        tag: 'Client invoices',
        summary: 'Your invoices to your organizations, newest first',
        description:
          'Every invoice you issued to your organizations (or one organization’s), by status, with lines and payments. Your own bills from the platform are at /partner/billing/invoices.',
      },
    })
    .input(listClientInvoicesInput.prefault({}))
    .output(invoiceListSchema)
    .query(({ ctx, input }) =>
      listInvoices(ctx.db, clientInvoices(ctx.partnerId, input.organizationId), input, ctx.clock()),
    ),

  exportInvoices: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/invoices.csv',
        tag: 'Client invoices',
        format: 'csv',
        filename: 'client-invoices.csv',
        summary: 'Your invoices to your organizations as a streamed CSV file',
        description: 'One row per invoice, in issue order, by organization and status.',
      },
    })
    .input(exportClientInvoicesInput.prefault({}))
    .query(({ ctx, input }) =>
      invoicesCsv(
        ctx.db,
        { scope: clientInvoices(ctx.partnerId, input.organizationId), status: input.status },
        ctx.clock(),
      ),
    ),

  exportLines: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/invoice-lines.csv',
        tag: 'Client invoices',
        format: 'csv',
        filename: 'client-invoice-lines.csv',
        summary: 'The lines of your invoices to your organizations as a streamed CSV file',
        description: "One row per line, with its invoice's number, in issue order then line order.",
      },
    })
    .input(exportClientInvoicesInput.prefault({}))
    .query(({ ctx, input }) =>
      invoiceLinesCsv(
        ctx.db,
        { scope: clientInvoices(ctx.partnerId, input.organizationId), status: input.status },
        ctx.clock(),
      ),
    ),

  get: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/invoices/:invoiceId',
        tag: 'Client invoices',
        summary: 'One of your invoices to an organization',
        description: 'Another partner’s invoice, or one of your own bills, is a 404 here.',
      },
    })
    .input(invoiceIdInput)
    .output(invoiceEnvelope)
    .query(async ({ ctx, input }) => ({
      invoice: await readInvoice(
        ctx.db,
        input.invoiceId,
        ctx.clock(),
        clientInvoices(ctx.partnerId),
      ),
    })),

  pdf: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/invoices/:invoiceId/pdf',
        tag: 'Client invoices',
        format: 'pdf',
        filename: 'invoice.pdf',
        summary: 'One of your invoices to an organization, as a PDF in your brand',
        description:
          'Your display name, logo reference, color, support email and footer; the organization’s billing profile; number, dates, lines, totals, credits applied and amount due.',
      },
    })
    .input(invoiceIdInput)
    .query(async ({ ctx, input }) =>
      invoicePdf(
        await readInvoice(ctx.db, input.invoiceId, ctx.clock(), clientInvoices(ctx.partnerId)),
      ),
    ),

  email: partnerProcedure
    .meta({
      rest: {
        method: 'GET',
        path: '/partner/invoices/:invoiceId/email',
        tag: 'Client invoices',
        summary: 'The email that sends an invoice, in your brand',
        description:
          "Recipient (the organization's billing email), reply-to (your support email), subject, and the body as text and escaped HTML with your display name, color, logo, support email and footer. Send it with your mailer and attach the PDF.",
      },
    })
    .input(invoiceIdInput)
    .output(invoiceEmailEnvelope)
    .query(async ({ ctx, input }) => ({
      email: invoiceEmail(
        await readInvoice(ctx.db, input.invoiceId, ctx.clock(), clientInvoices(ctx.partnerId)),
      ),
    })),

  pay: partnerProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/partner/invoices/:invoiceId/payments',
        tag: 'Client invoices',
        summary: 'Record a payment received from an organization',
        description:
          'Partial payments add up; the one that reaches the total marks it paid (client_invoice.paid). More than is due is a 422 overpayment; a reference already recorded on the invoice is answered, not added again.',
      },
    })
    .input(recordPaymentInput)
    .output(invoiceEnvelope)
    .mutation(
      idempotent(({ ctx, input }) =>
        recordPayment(ctx.db, input, ctx.clock(), clientInvoices(ctx.partnerId)),
      ),
    ),

  void: partnerProcedure
    .meta({
      rest: {
        method: 'POST',
        path: '/partner/invoices/:invoiceId/void',
        tag: 'Client invoices',
        summary: 'Void an unpaid invoice to an organization',
        description:
          'With a reason. Its number is never reused; what it billed is billed again by the next invoice (a voided grant excepted), and the monetary credits it applied go back to the organization. A paid or partly paid invoice cannot be voided (422).',
      },
    })
    .input(voidInvoiceInput)
    .output(invoiceEnvelope)
    .mutation(
      idempotent(({ ctx, input }) =>
        voidInvoice(ctx.db, input, ctx.clock(), clientInvoices(ctx.partnerId)),
      ),
    ),
});
