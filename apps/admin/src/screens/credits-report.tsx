import {
  DEFAULT_CREDIT_TYPE,
  type CreditReportRow,
  type CreditReportSegment,
  type CreditReportTotal,
} from '@allot/domain';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { BarChart } from '../components/chart.tsx';
import { SelectField, TextField } from '../components/field.tsx';
import { useOrganizationOptions } from '../components/organization-options.ts';
import { Empty, ErrorMessage, Loading } from '../components/states.tsx';
import { formatNumber, plural } from '../format.ts';
import { creditsAsMoney, formatMoney, formatRate } from '../money.ts';
import { Link, useSearch } from '../router.tsx';
import { errorInfo, trpc } from '../trpc.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

type Figures = CreditReportRow | CreditReportSegment | CreditReportTotal;

/** A count of credits, as money for a monetary credit type (one credit, one minor unit). */
const credits = (figures: Figures, count: number) =>
  figures.currency ? creditsAsMoney(count, figures.currency) : formatNumber(count);

function revenue(figures: Figures) {
  if (figures.purchaseRevenue !== null && figures.revenueCurrency)
    return formatMoney(figures.purchaseRevenue, figures.revenueCurrency);
  if (figures.revenueByCurrency.length === 0) return '—';
  return figures.revenueByCurrency.map((r) => formatMoney(r.amount, r.currency)).join(' + ');
}

const days = (value: string | null) => (value === null ? '—' : `${value} days`);

/** The REST export with the screen's filters. */
function csvUrl(filters: Record<string, string>) {
  const query = new URLSearchParams(
    Object.entries(filters).filter(([, value]) => value),
  ).toString();
  return `/api/v1/partner/reports/credits.csv${query ? `?${query}` : ''}`;
}

/** Per credit type over the range: where the credits came from and went. */
function Totals({ totals }: { totals: CreditReportTotal[] }) {
  return (
    <div className="cards">
      {totals.map((total) => (
        <section key={total.creditType} className="card" aria-label={`${total.creditType} totals`}>
          <h3>
            {total.creditType}
            {total.currency && <span className="muted"> ({total.currency})</span>}
          </h3>
          <dl className="facts compact">
            <dt>Granted</dt>
            <dd>{credits(total, total.granted.total)}</dd>
            <dt>Consumed</dt>
            <dd>{credits(total, total.consumed)}</dd>
            <dt>Expired</dt>
            <dd>{credits(total, total.expired)}</dd>
            {total.currency && (
              <>
                <dt>Applied</dt>
                <dd>{credits(total, total.applied)}</dd>
                <dt>Pending</dt>
                <dd>{credits(total, total.pending)}</dd>
              </>
            )}
            <dt>Available</dt>
            <dd>{credits(total, total.available)}</dd>
          </dl>
          <p className="muted">{plural(total.organizations, 'organization')}</p>
        </section>
      ))}
    </div>
  );
}

/** One credit type across the organizations, as bars; the figures are in the table too. */
function Chart({ rows, creditType }: { rows: CreditReportRow[]; creditType: string }) {
  const shown = rows.filter((row) => row.creditType === creditType);
  if (shown.length === 0) return null;
  const currency = shown[0]?.currency;
  return (
    <section className="card" aria-labelledby="report-chart-title">
      <h2 id="report-chart-title">
        {creditType} credits by organization
        {currency && <span className="muted"> (in {currency} minor units)</span>}
      </h2>
      <BarChart
        title={`${creditType} credits by organization`}
        labels={shown.map((row) => row.organizationName)}
        labelHeading="Organization"
        axisLabel={(name) => (name.length > 14 ? `${name.slice(0, 13)}…` : name)}
        series={[
          { label: 'Granted', color: '#1d4ed8', values: shown.map((r) => r.granted.total) },
          { label: 'Consumed', color: '#0f766e', values: shown.map((r) => r.consumed) },
          { label: 'Expired', color: '#b45309', values: shown.map((r) => r.expired) },
        ]}
      />
    </section>
  );
}

function Rows({ rows }: { rows: CreditReportRow[] }) {
  return (
    <div className="table-wrap">
      <table className="report">
        <caption>Credits by organization and credit type</caption>
        <thead>
          <tr>
            <th scope="col">Organization</th>
            <th scope="col">Credit type</th>
            {[
              'Granted',
              'Purchased',
              'Consumed',
              'Expired',
              'Applied',
              'Pending',
              'Available',
              'Expiration rate',
              'Median lifetime',
              'Revenue',
            ].map((heading) => (
              <th key={heading} scope="col" className="numeric">
                {heading}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.organizationId}-${row.creditType}`}>
              <th scope="row">
                <Link to={`/organizations/${row.organizationId}/credits`}>
                  {row.organizationName}
                </Link>
              </th>
              <td>{row.creditType}</td>
              <td className="numeric">{credits(row, row.granted.total)}</td>
              <td className="numeric">{credits(row, row.granted.purchased)}</td>
              <td className="numeric">{credits(row, row.consumed)}</td>
              <td className="numeric">{credits(row, row.expired)}</td>
              <td className="numeric">{credits(row, row.applied)}</td>
              <td className="numeric">{credits(row, row.pending)}</td>
              <td className="numeric">{credits(row, row.available)}</td>
              <td className="numeric">
                {row.expirationRate === null ? '—' : formatRate(row.expirationRate)}
              </td>
              <td className="numeric">{days(row.medianLifetimeDays)}</td>
              <td className="numeric">{revenue(row)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Segments({ segments }: { segments: CreditReportSegment[] }) {
  return (
    <div className="table-wrap">
      <table>
        <caption>Segments: by tier, product type and credit type</caption>
        <thead>
          <tr>
            <th scope="col">Tier</th>
            <th scope="col">Product type</th>
            <th scope="col">Credit type</th>
            {['Organizations', 'Granted', 'Consumed', 'Expired', 'Available', 'Revenue'].map(
              (heading) => (
                <th key={heading} scope="col" className="numeric">
                  {heading}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>
          {segments.map((s) => (
            <tr key={`${s.tier}-${s.productType}-${s.creditType}`}>
              <td>{s.tier}</td>
              <td>{s.productType}</td>
              <td>{s.creditType}</td>
              <td className="numeric">{formatNumber(s.organizations)}</td>
              <td className="numeric">{credits(s, s.granted.total)}</td>
              <td className="numeric">{credits(s, s.consumed)}</td>
              <td className="numeric">{credits(s, s.expired)}</td>
              <td className="numeric">{credits(s, s.available)}</td>
              <td className="numeric">{revenue(s)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Credit usage across every organization (Reports → Credits): filtered by date range, customer
 * and credit type, in the address, with the same figures as a CSV file.
 */
export default function CreditsReportScreen() {
  const [params, update] = useSearch();
  const day = (name: string) => {
    const value = params.get(name);
    return value !== null && DAY.test(value) ? value : '';
  };
  const from = day('from');
  const to = day('to');
  const organizationId = params.get('organization') ?? '';
  const creditType = params.get('creditType') ?? '';
  const organizations = useOrganizationOptions();
  const types = useQuery(trpc.credits.types.queryOptions());
  const report = useQuery(
    trpc.creditReports.get.queryOptions(
      {
        ...(from ? { startDate: from } : {}),
        ...(to ? { endDate: to } : {}),
        ...(organizationId ? { organizationId } : {}),
        ...(creditType ? { creditType } : {}),
      },
      { placeholderData: keepPreviousData },
    ),
  );
  const refusal = report.isError ? errorInfo(report.error) : null;
  const rangeError =
    refusal && (refusal.appCode === 'invalid_date_range' || refusal.status === 400)
      ? refusal.message
      : undefined;
  const filters = {
    startDate: from,
    endDate: to,
    organizationId,
    creditType,
  };
  return (
    <>
      <div className="page-header">
        <h1>Credits report</h1>
        <a className="button" href={csvUrl(filters)} download>
          Download CSV
        </a>
      </div>
      <p className="muted">
        Where each organization&apos;s credits came from and went: granted by kind, consumed,
        expired, and monetary credits applied to invoices, paid or pending. Days are UTC and
        inclusive; with no start, from the beginning.
      </p>
      <div className="toolbar" role="group" aria-label="Filters">
        <TextField
          label="From"
          type="date"
          value={from}
          max={to || undefined}
          onChange={(value) => update({ from: value }, true)}
          error={rangeError}
        />
        <TextField
          label="To"
          type="date"
          value={to}
          min={from || undefined}
          onChange={(value) => update({ to: value }, true)}
        />
        <SelectField
          label="Customer"
          value={organizationId}
          onChange={(value) => update({ organization: value })}
          options={[{ value: '', label: 'Every organization' }, ...organizations.options]}
        />
        <SelectField
          label="Credit type"
          value={creditType}
          onChange={(value) => update({ creditType: value })}
          options={[
            { value: '', label: 'Every credit type' },
            ...(types.data?.creditTypes.map((t) => ({
              value: t.key,
              label: t.currency ? `${t.name} (${t.currency})` : t.name,
            })) ?? []),
          ]}
        />
      </div>
      {report.isPending ? (
        <Loading />
      ) : report.isError && !report.data ? (
        rangeError ? null : (
          <ErrorMessage error={report.error} retry={() => void report.refetch()} />
        )
      ) : report.data.rows.length === 0 ? (
        <Empty>No credits in this range.</Empty>
      ) : (
        <div className="report-body" aria-busy={report.isFetching}>
          <Totals totals={report.data.totals} />
          <Chart rows={report.data.rows} creditType={creditType || DEFAULT_CREDIT_TYPE} />
          <Rows rows={report.data.rows} />
          <Segments segments={report.data.segments} />
        </div>
      )}
    </>
  );
}
