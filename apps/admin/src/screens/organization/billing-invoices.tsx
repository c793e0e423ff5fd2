import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { InvoiceHead, InvoiceRow } from '../../components/client-invoices.tsx';
import { invoicePeriod, isZero, LinesTable } from '../../components/invoice.tsx';
import { Pager } from '../../components/pager.tsx';
import { Empty, ErrorMessage, Loading } from '../../components/states.tsx';
import { formatDateTime, plural } from '../../format.ts';
import { pageParam } from '../../hooks.ts';
import { formatMoney } from '../../money.ts';
import { Link, useSearch } from '../../router.tsx';
import { errorInfo, queryClient, trpc } from '../../trpc.ts';
import type { TabProps } from './page.tsx';

const PAGE_SIZE = 10;

/** Invoices now what is not yet billed; the new invoice is named, with a link to it. */
function BillNow({ organizationId }: { organizationId: string }) {
  const issue = useMutation(
    trpc.clientInvoices.issue.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(),
    }),
  );
  const issued = issue.data?.invoice;
  const refusal = issue.isError ? errorInfo(issue.error) : null;
  return (
    <div className="bill-now">
      <button
        type="button"
        className="button primary"
        onClick={() => issue.mutate({ organizationId })}
        disabled={issue.isPending}
      >
        {issue.isPending ? 'Billing…' : 'Bill now'}
      </button>
      <div aria-live="polite">
        {issued && (
          <p className="notice notice-good">
            Issued <Link to={`/invoices/${issued.id}`}>{issued.number}</Link>:{' '}
            {formatMoney(issued.total, issued.currency)}, of which{' '}
            {formatMoney(issued.amountDue, issued.currency)} due.
          </p>
        )}
        {refusal && (
          <p className="form-error" role="alert">
            {refusal.appCode === 'nothing_to_invoice'
              ? 'Nothing to invoice: everything up to now is billed, or it has no prices.'
              : refusal.message}
          </p>
        )}
      </div>
    </div>
  );
}

/** What the next period start will invoice, as it stands now. */
function Upcoming({ organizationId }: { organizationId: string }) {
  const upcoming = useQuery(trpc.clientInvoices.upcoming.queryOptions({ organizationId }));
  const draft = upcoming.data?.invoice;
  return (
    <section className="card" aria-labelledby="org-upcoming-title">
      <div className="page-header">
        <h2 id="org-upcoming-title">Upcoming invoice</h2>
        <BillNow organizationId={organizationId} />
      </div>
      {upcoming.isPending ? (
        <Loading />
      ) : upcoming.isError ? (
        <ErrorMessage error={upcoming.error} retry={() => void upcoming.refetch()} />
      ) : !draft ? (
        <Empty>Not priced, so no invoice is on its way.</Empty>
      ) : (
        <>
          <p>
            Issues <strong>{formatDateTime(draft.issuesAt)}</strong>, for {invoicePeriod(draft)}. A
            draft: it changes until then. &ldquo;Bill now&rdquo; invoices what is due so far.
          </p>
          {!isZero(draft.creditsApplied) && (
            <p className="muted">
              Its credits would take{' '}
              <strong>{formatMoney(draft.creditsApplied, draft.currency)}</strong> off it.
            </p>
          )}
          {draft.lines.length === 0 ? (
            <Empty>Nothing to bill so far.</Empty>
          ) : (
            <LinesTable caption="Upcoming invoice lines" lines={draft.lines} totals={draft} />
          )}
        </>
      )}
    </section>
  );
}

/** The organization's invoices, newest first. */
function Invoices({ organizationId }: { organizationId: string }) {
  const [params, update] = useSearch();
  const page = pageParam(params.get('invoicesPage'));
  const list = useQuery(
    trpc.clientInvoices.list.queryOptions(
      { organizationId, page, pageSize: PAGE_SIZE },
      { placeholderData: keepPreviousData },
    ),
  );
  return (
    <section aria-labelledby="org-invoices-title">
      <div className="page-header">
        <h2 id="org-invoices-title">Invoices</h2>
        <Link to={`/invoices?organization=${organizationId}`}>In the Invoices screen</Link>
      </div>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorMessage error={list.error} retry={() => void list.refetch()} />
      ) : list.data.total === 0 ? (
        <Empty>No invoices yet.</Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table className="bills">
              <caption className="muted">{plural(list.data.total, 'invoice')}</caption>
              <InvoiceHead withOrganization={false} />
              <tbody>
                {list.data.invoices.map((invoice) => (
                  <InvoiceRow key={invoice.id} invoice={invoice} />
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            page={page}
            pageCount={Math.ceil(list.data.total / PAGE_SIZE)}
            onPage={(next) => update({ invoicesPage: next === 1 ? null : next })}
            label="Invoice pages"
          />
        </>
      )}
    </section>
  );
}

export function OrganizationInvoices({ organization: o }: TabProps) {
  return (
    <>
      <Upcoming organizationId={o.id} />
      <Invoices organizationId={o.id} />
    </>
  );
}
