import {
  ORGANIZATION_SORTS,
  ORGANIZATION_STATUSES,
  TIERS,
  type Organization,
  type OrganizationSort,
} from '@allot/domain';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { StatusBadge } from '../components/badge.tsx';
import { SelectField, TextField } from '../components/field.tsx';
import { Pager } from '../components/pager.tsx';
import { Empty, ErrorMessage, Loading } from '../components/states.tsx';
import { formatDate, formatNumber } from '../format.ts';
import { oneOf, pageParam, useDebounced } from '../hooks.ts';
import { Link, useSearch } from '../router.tsx';
import { trpc } from '../trpc.ts';
import { CreateOrganizationDialog } from './organizations-create.tsx';

const PAGE_SIZES = ['20', '50', '100'] as const;

function SortHeader({
  label,
  field,
  sort,
  onSort,
}: {
  label: string;
  field: 'name' | 'createdAt';
  sort: OrganizationSort;
  onSort: (sort: OrganizationSort) => void;
}) {
  const current = sort.replace('-', '') === field;
  const descending = sort.startsWith('-');
  return (
    <th aria-sort={current ? (descending ? 'descending' : 'ascending') : 'none'} scope="col">
      <button
        type="button"
        className="sort"
        onClick={() => onSort(current && !descending ? `-${field}` : field)}
      >
        {label} {current ? (descending ? '↓' : '↑') : ''}
      </button>
    </th>
  );
}

function Row({ organization: o }: { organization: Organization }) {
  return (
    <tr>
      <td>
        <Link to={`/organizations/${o.id}`}>{o.name}</Link>
      </td>
      <td>{o.externalId ?? <span className="muted">—</span>}</td>
      <td>
        <StatusBadge status={o.status} />
      </td>
      <td>{o.tier}</td>
      <td className="numeric">{formatNumber(o.credits)}</td>
      <td className="numeric">{formatNumber(o.creditsUsed)}</td>
      <td className="numeric">{formatNumber(o.creditsRemaining)}</td>
      <td>{formatDate(o.createdAt)}</td>
    </tr>
  );
}

/** Every organization of the partner: searched, filtered, sorted and paged by the server. */
export default function OrganizationsScreen() {
  const [params, update] = useSearch();
  const page = pageParam(params.get('page'));
  const pageSize = Number(oneOf(params.get('pageSize'), PAGE_SIZES) ?? 20);
  const status = oneOf(params.get('status'), ORGANIZATION_STATUSES);
  const tier = oneOf(params.get('tier'), TIERS);
  const sort = oneOf(params.get('sort'), ORGANIZATION_SORTS) ?? '-createdAt';
  const [search, setSearch] = useState(params.get('search') ?? '');
  const settled = useDebounced(search.trim());
  const [creating, setCreating] = useState(false);

  // The box types freely; the address (and the query) follow once typing pauses.
  useEffect(() => {
    if (settled !== (params.get('search') ?? '')) update({ search: settled, page: null }, true);
  }, [settled, params, update]);

  // The query searches what the address holds, not what the box holds mid-typing.
  const searched = params.get('search');
  const input = {
    page,
    pageSize,
    sort,
    ...(status ? { status } : {}),
    ...(tier ? { tier } : {}),
    ...(searched ? { search: searched } : {}),
  };
  const list = useQuery(
    trpc.organizations.list.queryOptions(input, { placeholderData: keepPreviousData }),
  );
  const pageCount = list.data ? Math.ceil(list.data.total / pageSize) : 0;
  const filtered = Boolean(status || tier || params.get('search'));

  return (
    <>
      <div className="page-header">
        <h1>Organizations</h1>
        <button type="button" className="button primary" onClick={() => setCreating(true)}>
          New organization
        </button>
      </div>
      <div role="search" className="toolbar">
        <TextField
          label="Search by name"
          type="search"
          value={search}
          onChange={setSearch}
          placeholder="Acme"
        />
        <SelectField
          label="Status"
          value={status ?? ''}
          onChange={(value) => update({ status: value, page: null })}
          options={[{ value: '', label: 'Any status' }, ...ORGANIZATION_STATUSES]}
        />
        <SelectField
          label="Tier"
          value={tier ?? ''}
          onChange={(value) => update({ tier: value, page: null })}
          options={[{ value: '', label: 'Any tier' }, ...TIERS]}
        />
        <SelectField
          label="Per page"
          value={String(pageSize)}
          onChange={(value) => update({ pageSize: value === '20' ? null : value, page: null })}
          options={PAGE_SIZES}
        />
      </div>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorMessage error={list.error} retry={() => void list.refetch()} />
      ) : list.data.organizations.length === 0 ? (
        <Empty>
          {filtered ? (
            'No organization matches these filters.'
          ) : (
            <>
              <p>No organizations yet.</p>
              <button type="button" className="button primary" onClick={() => setCreating(true)}>
                Create the first one
              </button>
            </>
          )}
        </Empty>
      ) : (
        <>
          <div className="table-wrap" aria-busy={list.isFetching}>
            <table>
              <caption className="muted">
                {formatNumber(list.data.total)} organization{list.data.total === 1 ? '' : 's'}
              </caption>
              <thead>
                <tr>
                  <SortHeader
                    label="Name"
                    field="name"
                    sort={sort}
                    onSort={(next) => update({ sort: next, page: null })}
                  />
                  <th scope="col">External id</th>
                  <th scope="col">Status</th>
                  <th scope="col">Tier</th>
                  <th scope="col" className="numeric">
                    Credits
                  </th>
                  <th scope="col" className="numeric">
                    Used
                  </th>
                  <th scope="col" className="numeric">
                    Remaining
                  </th>
                  <SortHeader
                    label="Created"
                    field="createdAt"
                    sort={sort}
                    onSort={(next) =>
                      update({ sort: next === '-createdAt' ? null : next, page: null })
                    }
                  />
                </tr>
              </thead>
              <tbody>
                {list.data.organizations.map((organization) => (
                  <Row key={organization.id} organization={organization} />
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            page={page}
            pageCount={pageCount}
            total={list.data.total}
            onPage={(next) => update({ page: next === 1 ? null : next })}
            label="Organization pages"
          />
        </>
      )}
      <CreateOrganizationDialog open={creating} onClose={() => setCreating(false)} />
    </>
  );
}
