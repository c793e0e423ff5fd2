import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Badge } from '../../components/badge.tsx';
import { SelectField } from '../../components/field.tsx';
import { Pager } from '../../components/pager.tsx';
import { Empty, ErrorMessage, Loading } from '../../components/states.tsx';
import { formatDateTime, formatNumber } from '../../format.ts';
import { oneOf, pageParam } from '../../hooks.ts';
import type { Outputs } from '../../outputs.ts';
import { useSearch } from '../../router.tsx';
import { trpc } from '../../trpc.ts';
import type { TabProps } from './page.tsx';

type Visitor = Outputs['visitors']['list']['visitorStatistics'][number];

const PAGE_SIZE = 20;
const CHOICES = ['true', 'false'] as const;

function duration(seconds: number) {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Who the visitor is: the company (B2B) or the person (B2C), else that nobody knows yet. */
function Identity({ visitor: v }: { visitor: Visitor }) {
  const person = [v.firstName, v.lastName].filter(Boolean).join(' ');
  if (!v.identified) return <span className="muted">Not identified</span>;
  return (
    <>
      <strong>{v.companyName ?? (person || v.email)}</strong>
      <div className="muted">
        {[v.companyDomain, v.companyName ? null : v.email, v.industry, v.country]
          .filter(Boolean)
          .join(' · ')}
      </div>
    </>
  );
}

/** The organization's visitors, with who they are, whether they fit an ICP, and what they read. */
export default function Visitors({ organization: o }: TabProps) {
  const [params, update] = useSearch();
  const page = pageParam(params.get('page'));
  const identified = oneOf(params.get('identified'), CHOICES);
  const icpMatched = oneOf(params.get('icpMatched'), CHOICES);
  const visitors = useQuery(
    trpc.visitors.list.queryOptions(
      {
        organizationId: o.id,
        page,
        limit: PAGE_SIZE,
        ...(identified ? { identified: identified === 'true' } : {}),
        ...(icpMatched ? { icpMatched: icpMatched === 'true' } : {}),
      },
      { placeholderData: keepPreviousData },
    ),
  );
  const choice = (any: string, yes: string, no: string) => [
    { value: '', label: any },
    { value: 'true', label: yes },
    { value: 'false', label: no },
  ];
  return (
    <>
      <div className="toolbar">
        <SelectField
          label="Identified"
          value={identified ?? ''}
          onChange={(value) => update({ identified: value, page: null })}
          options={choice('All visitors', 'Identified', 'Not identified')}
        />
        <SelectField
          label="ICP match"
          value={icpMatched ?? ''}
          onChange={(value) => update({ icpMatched: value, page: null })}
          options={choice('Any', 'Matches a profile', 'Matches none')}
        />
      </div>
      {visitors.isPending ? (
        <Loading />
      ) : visitors.isError ? (
        <ErrorMessage error={visitors.error} retry={() => void visitors.refetch()} />
      ) : visitors.data.visitorStatistics.length === 0 ? (
        <Empty>
          {identified || icpMatched
            ? 'No visitor matches these filters.'
            : 'No visitors yet: they appear once the pixel is installed on an allowed origin.'}
        </Empty>
      ) : (
        <>
          <div className="table-wrap" aria-busy={visitors.isFetching}>
            <table>
              <caption className="muted">
                {formatNumber(visitors.data.visitorsCount)} visitor
                {visitors.data.visitorsCount === 1 ? '' : 's'}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{o.productType === 'B2C' ? 'Person' : 'Company'}</th>
                  <th scope="col">ICP</th>
                  <th scope="col" className="numeric">
                    Page views
                  </th>
                  <th scope="col" className="numeric">
                    Sessions
                  </th>
                  <th scope="col" className="numeric">
                    Engaged
                  </th>
                  <th scope="col">Top pages</th>
                  <th scope="col">Last seen</th>
                </tr>
              </thead>
              <tbody>
                {visitors.data.visitorStatistics.map((v) => (
                  <tr key={v.visitorId}>
                    <td>
                      <Identity visitor={v} />
                    </td>
                    <td>
                      {v.icpMatch.matched ? (
                        v.icpMatch.profiles.map((name) => (
                          <Badge key={name} tone="good">
                            {name}
                          </Badge>
                        ))
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td className="numeric">{formatNumber(v.pageViews)}</td>
                    <td className="numeric">{formatNumber(v.sessions)}</td>
                    <td className="numeric">{duration(v.engagedSeconds)}</td>
                    <td>
                      {v.topPages.slice(0, 3).map((p) => (
                        <div key={p.path}>
                          <code>{p.path}</code> <span className="muted">×{p.views}</span>
                        </div>
                      ))}
                    </td>
                    <td>{formatDateTime(v.lastSeenAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            page={page}
            pageCount={visitors.data.totalPageCount}
            total={visitors.data.visitorsCount}
            onPage={(next) => update({ page: next === 1 ? null : next })}
            label="Visitor pages"
          />
        </>
      )}
    </>
  );
}
