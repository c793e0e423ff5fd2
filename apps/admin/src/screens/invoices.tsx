import { INVOICE_STATUSES } from '@allot/domain';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { AmountDueCards, OverdueWarning } from '../components/bills.tsx';
import { InvoiceHead, InvoiceRow, STATUS_LABELS } from '../components/client-invoices.tsx';
import { SelectField } from '../components/field.tsx';
import { useOrganizationOptions } from '../components/organization-options.ts';
import { Pager } from '../components/pager.tsx';
import { Empty, ErrorMessage, Loading } from '../components/states.tsx';
import { plural } from '../format.ts';
import { oneOf, pageParam } from '../hooks.ts';
import { Link, useSearch } from '../router.tsx';
import { trpc } from '../trpc.ts';

const PAGE_SIZE = 20;

/** The REST exports, with the same filters as the list: every match, streamed. */
function csvUrl(file: 'invoices.csv' | 'invoice-lines.csv', filters: Record<string, string>) {
  const query = new URLSearchParams(
    Object.entries(filters).filter(([, value]) => value),
  ).toString();
  return `/api/v1/partner/${file}${query ? `?${query}` : ''}`;
}

/** The partner's invoices to its organizations: what is owed, by organization and status. */
export default function InvoicesScreen() {
  const [params, update] = useSearch();
  const page = pageParam(params.get('page'));
  const status = oneOf(params.get('status'), INVOICE_STATUSES);
  const organizationId = params.get('organization') ?? '';
  const organizations = useOrganizationOptions();
  const list = useQuery(
    trpc.clientInvoices.list.queryOptions(
      {
        page,
        pageSize: PAGE_SIZE,
        ...(status ? { status } : {}),
        ...(organizationId ? { organizationId } : {}),
      },
      { placeholderData: keepPreviousData },
    ),
  );
  const invoices = list.data?.invoices ?? [];
  const filters = { organizationId, status: status ?? '' };
  return (
    <>
      <div className="page-header">
        <h1>Invoices</h1>
        <p className="actions">
          <a className="button" href={csvUrl('invoices.csv', filters)} download>
            Download CSV
          </a>
          <a className="button" href={csvUrl('invoice-lines.csv', filters)} download>
            Lines as CSV
          </a>
        </p>
      </div>
      <p className="muted">
        What you bill your organizations, in your brand: period fees, credit sales and overage, with
        their monetary credits applied. Prices are set in <Link to="/pricing">Pricing</Link>, and
        per organization in its Billing tab.
      </p>
      <OverdueWarning book="clients" linkLabel="Show unpaid invoices" />
      <AmountDueCards book="clients" />
      <div className="toolbar" role="group" aria-label="Filters">
        <SelectField
          label="Organization"
          value={organizationId}
          onChange={(value) => update({ organization: value, page: null })}
          options={[{ value: '', label: 'Every organization' }, ...organizations.options]}
        />
        <SelectField
          label="Status"
          value={status ?? ''}
          onChange={(value) => update({ status: value, page: null })}
          options={[
            { value: '', label: 'Any status' },
            ...INVOICE_STATUSES.map((value) => ({ value, label: STATUS_LABELS[value] })),
          ]}
        />
      </div>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorMessage error={list.error} retry={() => void list.refetch()} />
      ) : invoices.length === 0 ? (
        <Empty>
          {status || organizationId
            ? 'No invoices match these filters.'
            : 'No invoices to your organizations yet.'}
        </Empty>
      ) : (
        <>
          <div className="table-wrap" aria-busy={list.isFetching}>
            <table className="bills">
              <caption className="muted">{plural(list.data.total, 'invoice')}</caption>
              <InvoiceHead withOrganization />
              <tbody>
                {invoices.map((invoice) => (
                  <InvoiceRow
                    key={invoice.id}
                    invoice={invoice}
                    organizationName={
                      organizations.nameOf(invoice.organizationId) ?? invoice.customer.legalName
                    }
                  />
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            page={page}
            pageCount={Math.ceil(list.data.total / PAGE_SIZE)}
            total={list.data.total}
            onPage={(next) => update({ page: next === 1 ? null : next })}
            label="Invoice pages"
          />
        </>
      )}
    </>
  );
}
