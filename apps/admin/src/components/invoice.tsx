import type { Invoice, UpcomingInvoice } from '@allot/domain';
import { formatDateTime, formatNumber, formatPeriod } from '../format.ts';
import { formatMoney, formatRate } from '../money.ts';
import { Link } from '../router.tsx';

// The parts every invoice shows, whoever issued it: the platform's bills to the partner and the
// partner's invoices to its organizations read the same way.

export const isZero = (amount: string) => /^-?0(\.0+)?$/.test(amount);
/** Credits applied and payments come off the total: shown as a deduction. */
export const deduction = (amount: string) => (isZero(amount) ? amount : `-${amount}`);

export const invoicePeriod = (invoice: { periodStart: string; periodEnd: string }) =>
  formatPeriod({ start: invoice.periodStart, end: invoice.periodEnd });

type Line = UpcomingInvoice['lines'][number];

interface Totals {
  currency: string;
  subtotal: string;
  taxRate: string;
  tax: string;
  creditsApplied: string;
  total: string;
  amountPaid?: string;
  amountDue: string;
}

function TotalRow({ label, value, strong }: { label: string; value: string; strong?: boolean }) {
  return (
    <tr className={strong ? 'total-row strong' : 'total-row'}>
      <th scope="row" colSpan={3} className="numeric">
        {label}
      </th>
      <td className="numeric">{value}</td>
    </tr>
  );
}

/** An invoice's lines and, below them, how they add up to what is due. */
export function LinesTable({
  caption,
  lines,
  totals,
}: {
  caption: string;
  lines: Line[];
  totals: Totals;
}) {
  const money = (amount: string) => formatMoney(amount, totals.currency);
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Description</th>
            <th scope="col" className="numeric">
              Quantity
            </th>
            <th scope="col" className="numeric">
              Unit price
            </th>
            <th scope="col" className="numeric">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line, index) => (
            <tr key={`${index}-${line.description}`}>
              <td>
                {line.organizationId ? (
                  <Link to={`/organizations/${line.organizationId}`}>{line.description}</Link>
                ) : (
                  line.description
                )}
              </td>
              <td className="numeric">{formatNumber(line.quantity)}</td>
              <td className="numeric">{money(line.unitPrice)}</td>
              <td className="numeric">{money(line.amount)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <TotalRow label="Subtotal" value={money(totals.subtotal)} />
          <TotalRow label={`Tax (${formatRate(totals.taxRate)})`} value={money(totals.tax)} />
          <TotalRow label="Credits applied" value={money(deduction(totals.creditsApplied))} />
          <TotalRow label="Total" value={money(totals.total)} strong />
          {totals.amountPaid !== undefined && (
            <TotalRow label="Paid" value={money(deduction(totals.amountPaid))} />
          )}
          <TotalRow label="Amount due" value={money(totals.amountDue)} strong />
        </tfoot>
      </table>
    </div>
  );
}

/** The payments received against an invoice, or a line saying there are none yet. */
export function PaymentsTable({ invoice }: { invoice: Invoice }) {
  if (invoice.payments.length === 0) return <p className="muted">No payment received yet.</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Payments of {invoice.number}</caption>
        <thead>
          <tr>
            <th scope="col">Received</th>
            <th scope="col">Method</th>
            <th scope="col">Reference</th>
            <th scope="col" className="numeric">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {invoice.payments.map((payment) => (
            <tr key={payment.id}>
              <td>{formatDateTime(payment.paidAt)}</td>
              <td>{payment.method.replaceAll('_', ' ')}</td>
              <td>{payment.reference ?? '—'}</td>
              <td className="numeric">{formatMoney(payment.amount, invoice.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The PDF, as a plain link: the REST API accepts the session cookie on reads. */
export function PdfLink({ invoice, href }: { invoice: Invoice; href: string }) {
  return (
    <a href={href} download={`${invoice.number}.pdf`} aria-label={`${invoice.number} PDF`}>
      PDF
    </a>
  );
}
