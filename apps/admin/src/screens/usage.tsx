import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { BarChart } from '../components/chart.tsx';
import { FormError, TextField } from '../components/field.tsx';
import { Pager } from '../components/pager.tsx';
import { Empty, ErrorMessage, Loading } from '../components/states.tsx';
import { downloadCsv } from '../csv.ts';
import { formatNumber, isoDay } from '../format.ts';
import { pageParam } from '../hooks.ts';
import { Link, useSearch } from '../router.tsx';
import { errorInfo, trpc } from '../trpc.ts';

const PAGE_SIZE = 20;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** This month so far, in UTC: the default range, as the API's own default. */
function thisMonth() {
  const now = new Date();
  return {
    from: isoDay(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))),
    to: isoDay(now),
  };
}

/** Identifications and credits over any range of days, per day and per organization. */
export default function UsageScreen() {
  const [params, update] = useSearch();
  const defaults = thisMonth();
  const day = (name: string) => {
    const value = params.get(name);
    return value !== null && DAY.test(value) ? value : null;
  };
  const from = day('from') ?? defaults.from;
  const to = day('to') ?? defaults.to;
  const page = pageParam(params.get('page'));
  const daily = useQuery(
    trpc.billing.daily.queryOptions(
      { startDate: from, endDate: to },
      { placeholderData: keepPreviousData },
    ),
  );
  const rangeError = daily.isError ? errorInfo(daily.error) : null;
  const rows = daily.data?.organizations ?? [];
  const totals = (daily.data?.days ?? []).reduce(
    (sum, day) => ({
      identifications: sum.identifications + day.identifications,
      credits: sum.credits + day.creditsConsumed,
    }),
    { identifications: 0, credits: 0 },
  );
  const exportCsv = () => {
    if (!daily.data) return;
    downloadCsv(`usage-${from}-${to}.csv`, [
      ['organization_id', 'organization', 'identifications', 'credits_consumed'],
      ...daily.data.organizations.map((o) => [
        o.organizationId,
        o.name,
        o.identifications,
        o.creditsConsumed,
      ]),
    ]);
  };
  return (
    <>
      <div className="page-header">
        <h1>Usage</h1>
        <button type="button" className="button" onClick={exportCsv} disabled={!daily.data}>
          Export CSV
        </button>
      </div>
      <div className="toolbar" role="group" aria-label="Date range (UTC)">
        <TextField
          label="From"
          type="date"
          value={from}
          max={to}
          onChange={(value) => update({ from: value, page: null }, true)}
          error={rangeError?.status === 400 ? rangeError.message : undefined}
        />
        <TextField
          label="To"
          type="date"
          value={to}
          min={from}
          onChange={(value) => update({ to: value, page: null }, true)}
        />
        {(params.get('from') || params.get('to')) && (
          <button
            type="button"
            className="button"
            onClick={() => update({ from: null, to: null, page: null })}
          >
            This month
          </button>
        )}
      </div>
      {daily.isPending ? (
        <Loading />
      ) : daily.isError && !daily.data ? (
        rangeError?.status === 400 ? (
          <FormError error="Pick a range whose first day is not after its last (at most a year)." />
        ) : (
          <ErrorMessage error={daily.error} retry={() => void daily.refetch()} />
        )
      ) : daily.data ? (
        <>
          <div className="cards">
            <dl className="stat card">
              <dt>Identifications</dt>
              <dd>{formatNumber(totals.identifications)}</dd>
            </dl>
            <dl className="stat card">
              <dt>Credits consumed</dt>
              <dd>{formatNumber(totals.credits)}</dd>
            </dl>
            <dl className="stat card">
              <dt>Organizations with usage</dt>
              <dd>{formatNumber(rows.length)}</dd>
            </dl>
          </div>
          <section className="card" aria-labelledby="over-time">
            <h2 id="over-time">Over time</h2>
            <BarChart
              title="Usage per day"
              labels={daily.data.days.map((day) => day.date)}
              series={[
                {
                  label: 'Identifications',
                  color: '#1d4ed8',
                  values: daily.data.days.map((d) => d.identifications),
                },
                {
                  label: 'Credits consumed',
                  color: '#f59e0b',
                  values: daily.data.days.map((d) => d.creditsConsumed),
                },
              ]}
            />
          </section>
          <section aria-labelledby="per-organization">
            <h2 id="per-organization">Per organization</h2>
            {rows.length === 0 ? (
              <Empty>No usage in this range.</Empty>
            ) : (
              <>
                <div className="table-wrap">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Organization</th>
                        <th scope="col" className="numeric">
                          Identifications
                        </th>
                        <th scope="col" className="numeric">
                          Credits consumed
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {rows.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map((o) => (
                        <tr key={o.organizationId}>
                          <td>
                            <Link to={`/organizations/${o.organizationId}`}>{o.name}</Link>
                          </td>
                          <td className="numeric">{formatNumber(o.identifications)}</td>
                          <td className="numeric">{formatNumber(o.creditsConsumed)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                <Pager
                  page={page}
                  pageCount={Math.ceil(rows.length / PAGE_SIZE)}
                  onPage={(next) => update({ page: next === 1 ? null : next })}
                  label="Organization pages"
                />
              </>
            )}
          </section>
        </>
      ) : null}
    </>
  );
}
