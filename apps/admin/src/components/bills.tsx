import { useQueries, useQuery } from '@tanstack/react-query';
import { formatDate, plural } from '../format.ts';
import { formatMoney, totalsByCurrency, type Money } from '../money.ts';
import { Link } from '../router.tsx';
import { trpc } from '../trpc.ts';
import { ErrorMessage, Loading } from './states.tsx';

/** The most a page of the list holds: most partners' unpaid bills are read in one request. */
const PAGE_SIZE = 100;

/**
 * Whose unpaid invoices: the platform's bills to the partner, or the partner's invoices to its
 * organizations (the same engine, so the same shapes), and how each is worded.
 */
export type Book = 'platform' | 'clients';

const unpaidPage = (book: Book, page: number) => {
  const input = { page, pageSize: PAGE_SIZE, status: 'issued' } as const;
  return book === 'platform'
    ? trpc.billing.invoices.list.queryOptions(input)
    : trpc.clientInvoices.list.queryOptions(input);
};

const WORDS = {
  platform: { one: 'bill', due: 'Amount due', list: '/billing', view: 'View bills' },
  clients: { one: 'invoice', due: 'Owed to you', list: '/invoices', view: 'View invoices' },
} as const;

/**
 * Every unpaid bill (status `issued`), over as many pages as there are, and what they add up to
 * per currency: all of it, and what is past its due date. Sums are exact (minor units).
 */
export function useUnpaidBills(book: Book = 'platform') {
  const first = useQuery(unpaidPage(book, 1));
  const pageCount = first.data ? Math.ceil(first.data.total / PAGE_SIZE) : 1;
  const rest = useQueries({
    queries: Array.from({ length: Math.max(0, pageCount - 1) }, (_, i) => unpaidPage(book, i + 2)),
  });
  const pages = [first, ...rest];
  const failed = pages.find((page) => page.isError);
  // A bill paid between two page reads could shift another onto a page already read: once each.
  const bills = [
    ...new Map(
      pages.flatMap((page) => page.data?.invoices ?? []).map((bill) => [bill.id, bill]),
    ).values(),
  ];
  const overdue = bills.filter((bill) => bill.overdue);
  const due = (list: typeof bills): Money[] =>
    totalsByCurrency(list.map((bill) => ({ currency: bill.currency, amount: bill.amountDue })));
  return {
    isPending: pages.some((page) => page.isPending),
    error: failed?.error ?? null,
    refetch: () => pages.forEach((page) => void page.refetch()),
    count: bills.length,
    due: due(bills),
    overdueCount: overdue.length,
    overdue: due(overdue),
    oldestDueAt: overdue.map((bill) => bill.dueAt).sort()[0] ?? null,
  };
}

const amounts = (totals: Money[]) =>
  totals.map((total) => formatMoney(total.amount, total.currency)).join(' + ');

/** A clear warning while any bill is past its due date; nothing otherwise. */
export function OverdueWarning({
  linkLabel,
  book = 'platform',
}: {
  linkLabel: string;
  book?: Book;
}) {
  const bills = useUnpaidBills(book);
  const words = WORDS[book];
  if (bills.overdueCount === 0) return null;
  const one = bills.overdueCount === 1;
  const since = formatDate(bills.oldestDueAt);
  return (
    <p className="notice notice-bad">
      <strong>
        {one ? `1 ${words.one} is overdue` : `${plural(bills.overdueCount, words.one)} are overdue`}
      </strong>
      : {amounts(bills.overdue)} past{' '}
      {one ? `its due date (${since})` : `their due dates (the oldest ${since})`}.{' '}
      <Link to={`${words.list}?status=issued`}>{linkLabel}</Link>
    </p>
  );
}

/** What is due on unpaid bills, per currency, and how much of it is overdue. */
export function AmountDueCards({
  linked = false,
  book = 'platform',
}: {
  linked?: boolean;
  book?: Book;
}) {
  const bills = useUnpaidBills(book);
  const words = WORDS[book];
  if (bills.isPending) return <Loading label={`Reading your ${words.one}s…`} />;
  if (bills.error) return <ErrorMessage error={bills.error} retry={bills.refetch} />;
  return (
    <div className="cards">
      <dl className="stat card">
        <dt>{words.due}</dt>
        <dd>
          {bills.due.length === 0
            ? 'Nothing due'
            : bills.due.map((total) => (
                <div key={total.currency}>{formatMoney(total.amount, total.currency)}</div>
              ))}
          <div className="sub">
            {bills.count === 0
              ? `No unpaid ${words.one}s`
              : plural(bills.count, `unpaid ${words.one}`)}
            {linked && (
              <>
                {' · '}
                <Link to={words.list}>{words.view}</Link>
              </>
            )}
          </div>
        </dd>
      </dl>
      {bills.overdueCount > 0 && (
        <dl className="stat card stat-bad">
          <dt>Overdue</dt>
          <dd>
            {bills.overdue.map((total) => (
              <div key={total.currency}>{formatMoney(total.amount, total.currency)}</div>
            ))}
            <div className="sub">{plural(bills.overdueCount, words.one)} past due</div>
          </dd>
        </dl>
      )}
    </div>
  );
}
