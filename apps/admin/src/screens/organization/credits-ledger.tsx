import { ENTRY_TYPES, type Organization } from '@allot/domain';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { SelectField, TextField } from '../../components/field.tsx';
import { Empty, ErrorMessage, Loading } from '../../components/states.tsx';
import { formatDateTime, formatNumber } from '../../format.ts';
import { oneOf } from '../../hooks.ts';
import { useSearch } from '../../router.tsx';
import { trpc } from '../../trpc.ts';

const PAGE_SIZE = 25;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A `YYYY-MM-DD` from the address as the instant that day starts (UTC), or undefined. */
const startOf = (day: string | null, offsetDays = 0) =>
  day && DAY.test(day)
    ? new Date(Date.parse(`${day}T00:00:00Z`) + offsetDays * 86_400_000).toISOString()
    : undefined;

/**
 * The organization's ledger, oldest first, a page at a time by cursor; filtered by entry type and
 * days, and downloadable whole as CSV with the same filters (the link carries the session cookie).
 */
export function Ledger({ organization: o }: { organization: Organization }) {
  const [params, update] = useSearch();
  const type = oneOf(params.get('entryType'), ENTRY_TYPES);
  const fromDay = params.get('from');
  const toDay = params.get('to');
  const cursor = params.get('cursor');
  const from = startOf(fromDay);
  // `to` is exclusive: the whole of the last day is included.
  const to = startOf(toDay, 1);
  const filters = {
    ...(type ? { type } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
  const ledger = useQuery(
    trpc.credits.ledger.queryOptions(
      {
        organizationId: o.id,
        limit: PAGE_SIZE,
        ...filters,
        ...(cursor && /^\d+$/.test(cursor) ? { cursor } : {}),
      },
      { placeholderData: keepPreviousData },
    ),
  );
  const csv = `/api/v1/partner/organizations/${o.id}/credits/ledger.csv${
    Object.keys(filters).length ? `?${new URLSearchParams(filters).toString()}` : ''
  }`;
  const set = (changes: Record<string, string>) => update({ ...changes, cursor: null });
  return (
    <section aria-labelledby="ledger-title">
      <div className="page-header">
        <h2 id="ledger-title">Ledger</h2>
        <a className="button" href={csv} download>
          Download CSV
        </a>
      </div>
      <div className="toolbar">
        <SelectField
          label="Entry type"
          value={type ?? ''}
          onChange={(value) => set({ entryType: value })}
          options={[{ value: '', label: 'Any type' }, ...ENTRY_TYPES]}
        />
        <TextField
          label="From"
          type="date"
          value={fromDay ?? ''}
          onChange={(value) => set({ from: value })}
        />
        <TextField
          label="To"
          type="date"
          value={toDay ?? ''}
          onChange={(value) => set({ to: value })}
        />
      </div>
      {ledger.isPending ? (
        <Loading />
      ) : ledger.isError ? (
        <ErrorMessage error={ledger.error} retry={() => void ledger.refetch()} />
      ) : ledger.data.entries.length === 0 ? (
        <Empty>{cursor ? 'No more entries.' : 'No ledger entries match.'}</Empty>
      ) : (
        <div className="table-wrap" aria-busy={ledger.isFetching}>
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">Type</th>
                <th scope="col">Credit type</th>
                <th scope="col" className="numeric">
                  Amount
                </th>
                <th scope="col" className="numeric">
                  Balance after
                </th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {ledger.data.entries.map((entry) => (
                <tr key={entry.id}>
                  <td>{entry.sequence}</td>
                  <td>{formatDateTime(entry.createdAt)}</td>
                  <td>{entry.type}</td>
                  <td>{entry.creditType}</td>
                  <td className="numeric">
                    {entry.amount > 0 ? '+' : ''}
                    {formatNumber(entry.amount)}
                  </td>
                  <td className="numeric">{formatNumber(entry.balanceAfter)}</td>
                  <td>{entry.reason ?? entry.reference ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="pager" aria-label="Ledger pages">
        <button
          type="button"
          className="button"
          disabled={!cursor}
          onClick={() => update({ cursor: null })}
        >
          First page
        </button>
        <button
          type="button"
          className="button"
          disabled={!ledger.data?.nextCursor}
          onClick={() => update({ cursor: ledger.data?.nextCursor ?? null })}
        >
          Next page
        </button>
        <span className="muted">{formatNumber(PAGE_SIZE)} entries a page, oldest first</span>
      </nav>
    </section>
  );
}
