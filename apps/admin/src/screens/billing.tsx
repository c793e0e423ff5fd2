import {
  INVOICE_STATUSES,
  type Invoice,
  type InvoiceStatus,
  type WalletBalance,
} from '@allot/domain';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Badge, StatusBadge } from '../components/badge.tsx';
import { AmountDueCards, OverdueWarning } from '../components/bills.tsx';
import { InvoiceHead } from '../components/client-invoices.tsx';
import { SelectField } from '../components/field.tsx';
import { Pager } from '../components/pager.tsx';
import { Empty, ErrorMessage, Loading } from '../components/states.tsx';
import {
  invoicePeriod,
  isZero,
  LinesTable,
  PaymentsTable,
  PdfLink as PdfLinkOf,
} from '../components/invoice.tsx';
import { formatDate, formatDateTime, plural } from '../format.ts';
import { oneOf, pageParam } from '../hooks.ts';
import { creditsAsMoney, formatMoney } from '../money.ts';
import { useSearch } from '../router.tsx';
import { errorInfo, trpc } from '../trpc.ts';

const PAGE_SIZE = 20;

const STATUS_LABELS: Record<InvoiceStatus, string> = {
  issued: 'Unpaid',
  paid: 'Paid',
  void: 'Void',
};

/**
 * The bill as a PDF, over REST: the API accepts the session cookie on reads, so a plain link
 * downloads it.
 */
const pdfUrl = (invoiceId: string) => `/api/v1/partner/billing/invoices/${invoiceId}/pdf`;

/** The next invoice as it stands now: a draft that changes until its period boundary issues it. */
function Upcoming() {
  const upcoming = useQuery(trpc.billing.invoices.upcoming.queryOptions());
  const draft = upcoming.data?.invoice;
  return (
    <section className="card" aria-labelledby="upcoming-title">
      <h2 id="upcoming-title">Upcoming invoice</h2>
      {upcoming.isPending ? (
        <Loading />
      ) : upcoming.isError ? (
        <ErrorMessage error={upcoming.error} retry={() => void upcoming.refetch()} />
      ) : !draft ? (
        <Empty>The platform has not priced your account yet, so no invoice is on its way.</Empty>
      ) : (
        <>
          <p>
            Issues <strong>{formatDateTime(draft.issuesAt)}</strong>, for {invoicePeriod(draft)}. A
            draft: it changes until then.
          </p>
          {!isZero(draft.creditsApplied) && (
            <p className="muted">
              Your available credits would take{' '}
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

function Balance({ balance: b }: { balance: WalletBalance }) {
  const id = `credits-${b.creditType}`;
  return (
    <section aria-labelledby={id} className="balance">
      <h3 id={id}>
        {b.creditType} credits ({b.currency})
      </h3>
      <dl className="facts">
        <dt>Available</dt>
        <dd>
          {formatMoney(b.availableAmount, b.currency)}{' '}
          <span className="muted">({plural(b.available, 'credit')})</span>
        </dd>
        <dt>Pending</dt>
        <dd>
          {formatMoney(b.pendingAmount, b.currency)} <span className="muted">on unpaid bills</span>
        </dd>
        <dt>Expiring within 30 days</dt>
        <dd>{creditsAsMoney(b.expiringSoon, b.currency)}</dd>
      </dl>
    </section>
  );
}

/** The monetary credits the platform granted: what the next bills apply, what unpaid ones hold. */
function Credits() {
  const wallet = useQuery(trpc.billing.credits.get.queryOptions());
  return (
    <section className="card" aria-labelledby="credits-title">
      <h2 id="credits-title">Credit balances</h2>
      <p className="muted">
        Each bill applies the credits available when it is issued, soonest expiring first. Pending
        credits sit on bills not yet paid and come back if one is voided.
      </p>
      {wallet.isPending ? (
        <Loading />
      ) : wallet.isError ? (
        <ErrorMessage error={wallet.error} retry={() => void wallet.refetch()} />
      ) : wallet.data.balances.length === 0 ? (
        <Empty>No credits from the platform.</Empty>
      ) : (
        wallet.data.balances.map((balance) => (
          <Balance key={balance.creditType} balance={balance} />
        ))
      )}
    </section>
  );
}

const PdfLink = ({ bill }: { bill: Invoice }) => (
  <PdfLinkOf invoice={bill} href={pdfUrl(bill.id)} />
);

/** One bill in full: to whom, when, its lines and totals, and the payments received. */
function BillDetail({ bill }: { bill: Invoice }) {
  return (
    <div className="bill">
      <h3>Bill {bill.number}</h3>
      <dl className="facts">
        <dt>Billed to</dt>
        <dd>{bill.customer.legalName}</dd>
        <dt>Period</dt>
        <dd>{invoicePeriod(bill)}</dd>
        <dt>Issued</dt>
        <dd>{formatDateTime(bill.issuedAt)}</dd>
        <dt>Due</dt>
        <dd>
          {formatDateTime(bill.dueAt)} {bill.overdue && <Badge tone="bad">Overdue</Badge>}
        </dd>
        {bill.voidReason && (
          <>
            <dt>Voided because</dt>
            <dd>{bill.voidReason}</dd>
          </>
        )}
      </dl>
      <LinesTable caption={`Lines of ${bill.number}`} lines={bill.lines} totals={bill} />
      <h4>Payments</h4>
      <PaymentsTable invoice={bill} />
    </div>
  );
}

const COLUMNS = 8;

/** A bill's row, and under it, while it is open, its detail. */
function BillRows({
  bill,
  open,
  onToggle,
}: {
  bill: Invoice;
  open: boolean;
  onToggle: () => void;
}) {
  const detailId = `bill-${bill.id}`;
  const money = (amount: string) => formatMoney(amount, bill.currency);
  return (
    <>
      <tr className={open ? 'open' : undefined}>
        <th scope="row">
          <button
            type="button"
            className="disclosure"
            aria-expanded={open}
            aria-controls={open ? detailId : undefined}
            onClick={onToggle}
          >
            <span aria-hidden="true">{open ? '▾' : '▸'}</span> {bill.number}
          </button>
        </th>
        <td>{invoicePeriod(bill)}</td>
        <td>{formatDate(bill.issuedAt)}</td>
        <td>{formatDate(bill.dueAt)}</td>
        <td>
          <span className="badges">
            <StatusBadge status={bill.status} />
            {bill.overdue && <Badge tone="bad">Overdue</Badge>}
          </span>
        </td>
        <td className="numeric">{money(bill.total)}</td>
        <td className="numeric">{money(bill.amountDue)}</td>
        <td>
          <PdfLink bill={bill} />
        </td>
      </tr>
      {open && (
        <tr id={detailId} className="bill-detail">
          <td colSpan={COLUMNS}>
            <BillDetail bill={bill} />
          </td>
        </tr>
      )}
    </>
  );
}

/** A bill named in the address that is not on this page (a shared link): read on its own. */
function SelectedBill({ invoiceId, onClose }: { invoiceId: string; onClose: () => void }) {
  const bill = useQuery(trpc.billing.invoices.get.queryOptions({ invoiceId }));
  const missing = bill.isError && [400, 404].includes(errorInfo(bill.error).status);
  return (
    <div className="card selected-bill">
      {bill.isPending ? (
        <Loading />
      ) : missing ? (
        <p>That bill does not exist or is not yours.</p>
      ) : bill.isError ? (
        <ErrorMessage error={bill.error} retry={() => void bill.refetch()} />
      ) : (
        <>
          <BillDetail bill={bill.data.invoice} />
          <p>
            <PdfLink bill={bill.data.invoice} />
          </p>
        </>
      )}
      <button type="button" className="button" onClick={onClose}>
        Close
      </button>
    </div>
  );
}

/** Every bill the platform issued, newest first, filtered by status and paged by the server. */
function Bills() {
  const [params, update] = useSearch();
  const page = pageParam(params.get('page'));
  const status = oneOf(params.get('status'), INVOICE_STATUSES);
  const selected = params.get('invoice');
  const list = useQuery(
    trpc.billing.invoices.list.queryOptions(
      { page, pageSize: PAGE_SIZE, ...(status ? { status } : {}) },
      { placeholderData: keepPreviousData },
    ),
  );
  const bills = list.data?.invoices ?? [];
  const toggle = (id: string) => update({ invoice: selected === id ? null : id });
  return (
    <section aria-labelledby="bills-title">
      <div className="page-header">
        <h2 id="bills-title">Bills</h2>
        <div className="toolbar">
          <SelectField
            label="Status"
            value={status ?? ''}
            onChange={(value) => update({ status: value, page: null, invoice: null })}
            options={[
              { value: '', label: 'Any status' },
              ...INVOICE_STATUSES.map((value) => ({ value, label: STATUS_LABELS[value] })),
            ]}
          />
        </div>
      </div>
      {selected && list.data && !bills.some((bill) => bill.id === selected) && (
        <SelectedBill invoiceId={selected} onClose={() => update({ invoice: null })} />
      )}
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorMessage error={list.error} retry={() => void list.refetch()} />
      ) : bills.length === 0 ? (
        <Empty>
          {status
            ? `No ${STATUS_LABELS[status].toLowerCase()} bills.`
            : 'No bills from the platform yet.'}
        </Empty>
      ) : (
        <>
          <div className="table-wrap" aria-busy={list.isFetching}>
            <table className="bills">
              <caption className="muted">{plural(list.data.total, 'bill')}</caption>
              <InvoiceHead withOrganization={false} />
              <tbody>
                {bills.map((bill) => (
                  <BillRows
                    key={bill.id}
                    bill={bill}
                    open={selected === bill.id}
                    onToggle={() => toggle(bill.id)}
                  />
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            page={page}
            pageCount={Math.ceil(list.data.total / PAGE_SIZE)}
            total={list.data.total}
            onPage={(next) => update({ page: next === 1 ? null : next, invoice: null })}
            label="Bill pages"
          />
        </>
      )}
    </section>
  );
}

/** What the platform bills the partner: the next invoice, the credits it applies, every bill. */
export default function BillingScreen() {
  return (
    <>
      <div className="page-header">
        <h1>Billing</h1>
      </div>
      <p className="muted">
        What the platform bills you: the next invoice as it stands, the credits it will apply, and
        every bill issued, each with its PDF.
      </p>
      <OverdueWarning linkLabel="Show unpaid bills" />
      <AmountDueCards />
      <div className="two-columns">
        <Upcoming />
        <Credits />
      </div>
      <Bills />
    </>
  );
}
