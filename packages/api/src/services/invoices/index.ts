// The invoice engine: what is billed (lines.ts), issuing (issue.ts), monetary credits applied
// (credits.ts), the upcoming draft (upcoming.ts), reading (read.ts), payments and voids
// (settle.ts), a payment provider's interface (payment-provider.ts), events (events.ts), the PDF
// (pdf.ts), CSV files (export.ts).
export { issueClosedPeriodInvoice, issueDueInvoices, issueInvoiceNow } from './issue.ts';
export { upcomingInvoice } from './upcoming.ts';
export { listInvoices, listPartnerInvoices, readInvoice } from './read.ts';
export { flagOverdueInvoices, recordPayment, voidInvoice } from './settle.ts';
export { invoicePdf } from './pdf.ts';
export { invoiceLinesCsv, invoicesCsv } from './export.ts';
export {
  settleNotification,
  type PaymentProvider,
  type ProviderPayment,
} from './payment-provider.ts';
