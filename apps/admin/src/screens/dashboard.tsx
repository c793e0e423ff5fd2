import { useQuery } from '@tanstack/react-query';
import { AmountDueCards, OverdueWarning } from '../components/bills.tsx';
import { BarChart } from '../components/chart.tsx';
import { PoolGauge } from '../components/pool-gauge.tsx';
import { Empty, ErrorMessage, Loading } from '../components/states.tsx';
import { formatNumber, formatPeriod, isoDay } from '../format.ts';
import { Link } from '../router.tsx';
import { trpc } from '../trpc.ts';

function Stat({ label, value, sub }: { label: string; value: number | null; sub?: string }) {
  return (
    <dl className="stat card">
      <dt>{label}</dt>
      <dd>
        {formatNumber(value)}
        {sub && <div className="sub">{sub}</div>}
      </dd>
    </dl>
  );
}

/** The days of the current period so far (a period ends at the exclusive instant the next starts). */
function periodSoFar(period: { start: string; end: string }) {
  const last = Math.min(Date.now(), new Date(period.end).getTime() - 1);
  return { startDate: period.start.slice(0, 10), endDate: isoDay(new Date(last)) };
}

function Identifications({ period }: { period: { start: string; end: string } }) {
  const daily = useQuery(trpc.billing.daily.queryOptions(periodSoFar(period)));
  if (daily.isPending) return <Loading />;
  if (daily.isError) return <ErrorMessage error={daily.error} retry={() => void daily.refetch()} />;
  return (
    <BarChart
      title="Identifications per day"
      labels={daily.data.days.map((day) => day.date)}
      series={[
        {
          label: 'Identifications',
          color: '#1d4ed8',
          values: daily.data.days.map((day) => day.identifications),
        },
      ]}
    />
  );
}

/**
 * The partner's current period at a glance: the pool, what is due on the platform's bills (and a
 * warning while any is overdue), identifications, who consumes, who runs low.
 */
export default function DashboardScreen() {
  const billing = useQuery(trpc.billing.get.queryOptions());
  const usage = useQuery(trpc.billing.usage.queryOptions());
  const low = useQuery(trpc.billing.lowBalances.queryOptions());
  const hooks = useQuery(trpc.webhooks.list.queryOptions({ page: 1, pageSize: 100 }));
  const failing = hooks.data?.endpoints.filter((e) => !e.enabled && e.disabledReason) ?? [];

  if (billing.isPending) return <Loading />;
  if (billing.isError)
    return <ErrorMessage error={billing.error} retry={() => void billing.refetch()} />;
  const b = billing.data;
  const pooled = b.creditPoolTotal !== null;
  return (
    <>
      <div className="page-header">
        <h1>Dashboard</h1>
        <p className="muted">
          Current period: <strong>{formatPeriod(b.currentPeriod)}</strong> · billed{' '}
          {b.billingPeriod}, {b.billingMode.replace('_', ' ')}
        </p>
      </div>
      <OverdueWarning linkLabel="Review them in Billing" />
      <section aria-labelledby="pool-title">
        <h2 id="pool-title">{pooled ? 'Credit pool' : 'Credits this period'}</h2>
        <div className="cards">
          {pooled && <Stat label="Pool total" value={b.creditPoolTotal} />}
          {pooled && <Stat label="Allocated" value={b.creditsAllocated} />}
          <Stat
            label="Used"
            value={b.creditsUsed}
            sub={b.overage > 0 ? `${formatNumber(b.overage)} overage` : undefined}
          />
          {pooled && (
            <Stat
              label="Remaining"
              value={b.creditsRemaining}
              sub={`${formatNumber(b.creditsUnallocated)} left to allocate`}
            />
          )}
        </div>
        {pooled && (
          <PoolGauge
            total={b.creditPoolTotal ?? 0}
            allocated={b.creditsAllocated ?? 0}
            used={b.creditsUsed}
          />
        )}
      </section>
      <section aria-labelledby="bills-title">
        <h2 id="bills-title">Bills from the platform</h2>
        <AmountDueCards linked />
      </section>
      <section aria-labelledby="daily-title">
        <h2 id="daily-title">Identifications per day</h2>
        <div className="card">
          <Identifications period={b.currentPeriod} />
        </div>
      </section>
      <div className="two-columns">
        <section aria-labelledby="top-title">
          <h2 id="top-title">Top consuming organizations</h2>
          {usage.isPending ? (
            <Loading />
          ) : usage.isError ? (
            <ErrorMessage error={usage.error} retry={() => void usage.refetch()} />
          ) : usage.data.organizations.length === 0 ? (
            <Empty>No credits consumed this period yet.</Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Organization</th>
                    <th scope="col" className="numeric">
                      Credits consumed
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {usage.data.organizations.slice(0, 5).map((o) => (
                    <tr key={o.organizationId}>
                      <td>
                        <Link to={`/organizations/${o.organizationId}`}>{o.name}</Link>
                      </td>
                      <td className="numeric">{formatNumber(o.creditsConsumed)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
        <section aria-labelledby="warnings-title">
          <h2 id="warnings-title">Warnings</h2>
          {failing.length > 0 && (
            <ul className="warnings" aria-label="Failing webhooks">
              {failing.map((e) => (
                <li key={e.id} className="notice">
                  Webhook <Link to={`/webhooks?endpoint=${e.id}`}>{e.url}</Link> is disabled:{' '}
                  {e.disabledReason}
                </li>
              ))}
            </ul>
          )}
          {low.isPending ? (
            <Loading />
          ) : low.isError ? (
            <ErrorMessage error={low.error} retry={() => void low.refetch()} />
          ) : low.data.organizations.length === 0 ? (
            <Empty>No organization is close to running out.</Empty>
          ) : (
            <ul className="warnings">
              {low.data.organizations.map((o) => (
                <li key={o.organizationId} className="notice">
                  <Link to={`/organizations/${o.organizationId}/credits`}>{o.name}</Link>{' '}
                  {o.remaining === 0
                    ? 'has no credits left'
                    : `has ${formatNumber(o.remaining)} of ${formatNumber(o.allocated)} credits left`}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </>
  );
}
