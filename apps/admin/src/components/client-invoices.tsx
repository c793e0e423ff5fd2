import type { Invoice, InvoiceStatus } from '@allot/domain';
import { formatDate } from '../format.ts';
import { formatMoney } from '../money.ts';
import { Link } from '../router.tsx';
import { Badge, StatusBadge } from './badge.tsx';
import { invoicePeriod, PdfLink } from './invoice.tsx';

// The partner's invoices to its organizations, as rows: on the Invoices screen (all of them) and
// in an organization's Billing tab (its own).

export const STATUS_LABELS: Record<InvoiceStatus, string> = {
  issued: 'Unpaid',
  paid: 'Paid',
  void: 'Void',
};

/** An invoice to an organization as a PDF in the partner's brand, over REST (cookie on reads). */
export const clientPdfUrl = (invoiceId: string) => `/api/v1/partner/invoices/${invoiceId}/pdf`;

/** An invoice's number, status and what it comes to, as one row of a list. */
export function InvoiceRow({
  invoice,
  organizationName,
}: {
  invoice: Invoice;
  /** Shown when the list spans organizations. */
  organizationName?: string | undefined;
}) {
  const money = (amount: string) => formatMoney(amount, invoice.currency);
  return (
    <tr>
      <th scope="row">
        <Link to={`/invoices/${invoice.id}`}>{invoice.number}</Link>
      </th>
      {organizationName !== undefined && (
        <td>
          {invoice.organizationId ? (
            <Link to={`/organizations/${invoice.organizationId}/billing`}>{organizationName}</Link>
          ) : (
            organizationName
          )}
        </td>
      )}
      <td>{invoicePeriod(invoice)}</td>
      <td>{formatDate(invoice.issuedAt)}</td>
      <td>{formatDate(invoice.dueAt)}</td>
      <td>
        <span className="badges">
          <StatusBadge status={invoice.status} />
          {invoice.overdue && <Badge tone="bad">Overdue</Badge>}
        </span>
      </td>
      <td className="numeric">{money(invoice.total)}</td>
      <td className="numeric">{money(invoice.amountDue)}</td>
      <td>
        <PdfLink invoice={invoice} href={clientPdfUrl(invoice.id)} />
      </td>
    </tr>
  );
}

/** The head of an invoice list, matching InvoiceRow's cells. */
export function InvoiceHead({ withOrganization }: { withOrganization: boolean }) {
  return (
    <thead>
      <tr>
        <th scope="col">Number</th>
        {withOrganization && <th scope="col">Organization</th>}
        <th scope="col">Period</th>
        <th scope="col">Issued</th>
        <th scope="col">Due</th>
        <th scope="col">Status</th>
        <th scope="col" className="numeric">
          Total
        </th>
        <th scope="col" className="numeric">
          Amount due
        </th>
        <th scope="col">
          <span className="visually-hidden">Download</span>
        </th>
      </tr>
    </thead>
  );
}
