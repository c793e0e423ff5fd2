import PDFDocument from 'pdfkit';
import type { Invoice } from '@allot/domain';

/**
 * An invoice as a PDF document (pdfkit, A4, the standard Helvetica fonts): issuer, customer,
 * number, dates, lines, subtotal, tax, credits applied, total, amount due and payment terms.
 * Streamed: pages leave as they are laid out, so an invoice of 10,000 lines holds about one page
 * of output in memory, not the whole file.
 *
 * A partner's invoice to its client carries the partner's brand: its display name in its color
 * above the title, its support email and footer below the totals. The logo is not fetched: a PDF
 * rendered on the server never reaches out to a URL a partner typed (the admin app shows it).
 */
const MARGIN = 50;
const COLUMNS = { description: 50, quantity: 330, unitPrice: 400, amount: 470 } as const;
const WIDTHS = { description: 270, quantity: 60, unitPrice: 60, amount: 75 } as const;

const day = (iso: string) => iso.slice(0, 10);

function party(
  doc: PDFKit.PDFDocument,
  title: string,
  p: Invoice['customer'],
  x: number,
  y: number,
) {
  doc.font('Helvetica-Bold').fontSize(9).text(title, x, y);
  doc.font('Helvetica').fontSize(10).text(p.legalName, x, doc.y);
  const address = p.address;
  const rows = [
    address?.line1,
    address?.line2,
    address && [address.postalCode, address.city].filter(Boolean).join(' '),
    address && [address.region, address.country].filter(Boolean).join(', '),
    p.billingEmail,
    p.taxId && `Tax id: ${p.taxId}`,
  ].filter((row): row is string => typeof row === 'string' && row !== '');
  for (const row of rows) doc.text(row, x, doc.y);
}

function header(doc: PDFKit.PDFDocument, invoice: Invoice) {
  const brand = invoice.issuer.brand;
  if (brand) {
    doc
      .font('Helvetica-Bold')
      .fontSize(14)
      .fillColor(brand.primaryColor ?? '#000000')
      .text(brand.displayName, MARGIN, MARGIN);
    doc.fillColor('#000000');
  }
  doc
    .font('Helvetica-Bold')
    .fontSize(20)
    .text(`Invoice ${invoice.number}`, MARGIN, brand ? doc.y + 4 : MARGIN);
  doc.font('Helvetica').fontSize(10);
  const terms = Math.round((Date.parse(invoice.dueAt) - Date.parse(invoice.issuedAt)) / 86_400_000);
  doc.text(`Issued ${day(invoice.issuedAt)}  ·  Due ${day(invoice.dueAt)} (${terms} days)`);
  doc.text(
    `Period ${day(invoice.periodStart)} to ${day(invoice.periodEnd)}  ·  ${invoice.currency}`,
  );
  if (invoice.status !== 'issued') doc.text(`Status: ${invoice.status}`);
  const top = doc.y + 15;
  party(doc, 'From', invoice.issuer, MARGIN, top);
  const left = doc.y;
  party(doc, 'Bill to', invoice.customer, 300, top);
  doc.y = Math.max(left, doc.y) + 20;
  tableHeader(doc);
}

function tableHeader(doc: PDFKit.PDFDocument) {
  const y = doc.y;
  doc.font('Helvetica-Bold').fontSize(9);
  doc.text('Description', COLUMNS.description, y, { width: WIDTHS.description });
  doc.text('Quantity', COLUMNS.quantity, y, { width: WIDTHS.quantity, align: 'right' });
  doc.text('Unit price', COLUMNS.unitPrice, y, { width: WIDTHS.unitPrice, align: 'right' });
  doc.text('Amount', COLUMNS.amount, y, { width: WIDTHS.amount, align: 'right' });
  doc
    .moveTo(MARGIN, doc.y + 2)
    .lineTo(545, doc.y + 2)
    .stroke();
  doc.y += 6;
  doc.font('Helvetica').fontSize(9);
}

function row(doc: PDFKit.PDFDocument, line: Invoice['lines'][number]) {
  const y = doc.y;
  doc.text(line.description, COLUMNS.description, y, { width: WIDTHS.description });
  const next = doc.y;
  doc.text(String(line.quantity), COLUMNS.quantity, y, { width: WIDTHS.quantity, align: 'right' });
  doc.text(line.unitPrice, COLUMNS.unitPrice, y, { width: WIDTHS.unitPrice, align: 'right' });
  doc.text(line.amount, COLUMNS.amount, y, { width: WIDTHS.amount, align: 'right' });
  doc.y = Math.max(next, doc.y) + 2;
}

function totals(doc: PDFKit.PDFDocument, invoice: Invoice) {
  doc.y += 10;
  const rows: [string, string][] = [
    ['Subtotal', invoice.subtotal],
    [`Tax (${invoice.taxRate})`, invoice.tax],
    ['Credits applied', `-${invoice.creditsApplied}`],
    ['Total', invoice.total],
    ['Amount paid', invoice.amountPaid],
    ['Amount due', `${invoice.amountDue} ${invoice.currency}`],
  ];
  for (const [label, value] of rows) {
    const y = doc.y;
    doc.font(label === 'Amount due' ? 'Helvetica-Bold' : 'Helvetica').fontSize(10);
    doc.text(label, 330, y, { width: 130 });
    doc.text(value, 430, y, { width: 115, align: 'right' });
  }
  const brand = invoice.issuer.brand;
  const closing = [brand?.supportEmail && `Questions: ${brand.supportEmail}`, brand?.footer].filter(
    (text): text is string => typeof text === 'string',
  );
  if (closing.length > 0) {
    doc.y += 20;
    doc.font('Helvetica').fontSize(9);
    for (const text of closing) doc.text(text, MARGIN, doc.y, { width: 495 });
  }
}

/** The PDF's bytes, chunk by chunk, as the pages are laid out. */
export async function* invoicePdf(invoice: Invoice): AsyncGenerator<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: { Title: `Invoice ${invoice.number}`, Author: invoice.issuer.legalName },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve) => doc.on('end', resolve));
  // Lets the document's stream hand over what it has written, then gives it away.
  async function* flush() {
    await new Promise((resolve) => setImmediate(resolve));
    yield* chunks.splice(0, chunks.length);
  }

  header(doc, invoice);
  const bottom = doc.page.height - MARGIN - 30;
  for (const line of invoice.lines) {
    if (doc.y > bottom) {
      doc.addPage();
      tableHeader(doc);
      yield* flush();
    }
    row(doc, line);
  }
  if (doc.y > bottom - 100) doc.addPage();
  totals(doc, invoice);
  doc.end();
  await ended;
  yield* chunks.splice(0, chunks.length);
}
