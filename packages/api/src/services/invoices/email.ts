import type { Invoice, InvoiceEmail } from '@allot/domain';
import { decimal } from '../money.ts';

/**
 * The email that sends an invoice to its customer, in the issuer's brand: who it goes to (the
 * customer's billing email), who answers (the brand's support email), the subject, and the body
 * as plain text and HTML. Allot renders it; the partner's mailer sends it, with the PDF attached.
 */

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function invoiceEmail(invoice: Invoice): InvoiceEmail {
  const brand = invoice.issuer.brand ?? null;
  const from = brand?.displayName ?? invoice.issuer.legalName;
  const due = invoice.dueAt.slice(0, 10);
  const summary =
    invoice.status === 'paid'
      ? `Invoice ${invoice.number} for ${invoice.total} ${invoice.currency} is paid. Thank you.`
      : `Invoice ${invoice.number}: ${invoice.amountDue} ${invoice.currency} due by ${due}.`;
  const credits = decimal(invoice.creditsApplied).isZero()
    ? null
    : `Credits applied: ${invoice.creditsApplied} ${invoice.currency}.`;
  const closing = [
    brand?.supportEmail ? `Questions? Write to ${brand.supportEmail}.` : null,
    brand?.footer ?? null,
  ].filter((line): line is string => line !== null);
  const paragraphs = [
    `Hello ${invoice.customer.legalName},`,
    summary,
    ...(credits ? [credits] : []),
    ...invoice.lines.map((line) => `${line.description}: ${line.amount} ${invoice.currency}`),
    ...closing,
    from,
  ];
  const color = brand?.primaryColor ?? '#111111';
  return {
    to: invoice.customer.billingEmail,
    replyTo: brand?.supportEmail ?? invoice.issuer.billingEmail,
    subject: `${from}: invoice ${invoice.number}`,
    text: `${paragraphs.join('\n\n')}\n`,
    html: [
      `<h1 style="color:${escape(color)}">${escape(from)}</h1>`,
      ...(brand?.logoUrl ? [`<img src="${escape(brand.logoUrl)}" alt="${escape(from)}">`] : []),
      ...paragraphs.map((p) => `<p>${escape(p)}</p>`),
    ].join('\n'),
  };
}
