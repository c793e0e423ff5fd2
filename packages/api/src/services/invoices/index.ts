// The invoice engine: what is billed (lines.ts; client-lines.ts for a partner's invoices to its
// organizations), issuing (issue.ts, client-issue.ts), numbering (numbering.ts), monetary credits
// applied (credits.ts), the upcoming draft (upcoming.ts, client-upcoming.ts), whose invoices a
// read reaches (scope.ts), reading (read.ts), payments and voids (settle.ts), a payment
// provider's interface (payment-provider.ts), events (events.ts), the PDF (pdf.ts), CSV files
// (export.ts).
export { issueClosedPeriodInvoice, issueDueInvoices, issueInvoiceNow } from './issue.ts';
export {
  issueClientInvoiceNow,
  issueClientPeriodInvoice,
  issueDueClientInvoices,
  organizationsDueInvoices,
} from './client-issue.ts';
export { upcomingInvoice } from './upcoming.ts';
export { upcomingClientInvoice } from './client-upcoming.ts';
export { listInvoices, readInvoice } from './read.ts';
export { OPERATOR_INVOICES, type InvoiceScope } from './scope.ts';
export { flagOverdueInvoices, recordPayment, voidInvoice } from './settle.ts';
export { invoicePdf } from './pdf.ts';
export { invoiceLinesCsv, invoicesCsv } from './export.ts';
export {
  settleNotification,
  type PaymentProvider,
  type ProviderPayment,
} from './payment-provider.ts';
