import type { Organization } from '@allot/domain';
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, type ComponentType, type LazyExoticComponent } from 'react';
import { Badge, StatusBadge } from '../../components/badge.tsx';
import { ErrorMessage, Loading } from '../../components/states.tsx';
import { Link } from '../../router.tsx';
import type { ScreenProps } from '../../routes.tsx';
import { errorInfo, trpc } from '../../trpc.ts';

export interface TabProps {
  organization: Organization;
}

interface Tab {
  path: string;
  label: string;
  view: LazyExoticComponent<ComponentType<TabProps>>;
}

// Each tab is its own chunk, loaded when first opened.
const tabs: Tab[] = [
  { path: '', label: 'Overview', view: lazy(() => import('./overview.tsx')) },
  { path: 'credits', label: 'Credits', view: lazy(() => import('./credits.tsx')) },
  { path: 'pixel', label: 'Pixel', view: lazy(() => import('./pixel.tsx')) },
  { path: 'visitors', label: 'Visitors', view: lazy(() => import('./visitors.tsx')) },
  { path: 'icp', label: 'ICP profiles', view: lazy(() => import('./icp.tsx')) },
  { path: 'billing', label: 'Billing', view: lazy(() => import('./billing.tsx')) },
];

/** One organization, a tab at a time; the tab is part of the address. */
export default function OrganizationScreen({ params }: ScreenProps) {
  const id = params.organizationId ?? '';
  const organization = useQuery(trpc.organizations.get.queryOptions({ organizationId: id }));
  const tab = tabs.find((candidate) => candidate.path === (params.tab ?? ''));

  if (organization.isPending) return <Loading />;
  if (organization.isError) {
    const info = errorInfo(organization.error);
    // A malformed id is as unknown as a missing one (and another partner's is a 404 too).
    if (info.status === 404 || info.status === 400)
      return (
        <>
          <h1>Organization not found</h1>
          <p>
            It does not exist or is not yours. <Link to="/organizations">All organizations</Link>
          </p>
        </>
      );
    return <ErrorMessage error={organization.error} retry={() => void organization.refetch()} />;
  }
  const o = organization.data.organization;
  const View = tab?.view;
  return (
    <>
      <p className="breadcrumb">
        <Link to="/organizations">Organizations</Link>
      </p>
      <div className="page-header">
        <h1>{o.name}</h1>
        <p className="actions">
          <StatusBadge status={o.status} />
          <Badge tone={o.tier === 'trial' ? 'info' : 'neutral'}>{o.tier}</Badge>
          <Badge>{o.productType}</Badge>
        </p>
      </div>
      <nav className="tabs" aria-label="Organization">
        {tabs.map((candidate) => (
          <Link
            key={candidate.path}
            to={`/organizations/${o.id}${candidate.path ? `/${candidate.path}` : ''}`}
            aria-current={candidate === tab ? 'page' : undefined}
          >
            {candidate.label}
          </Link>
        ))}
      </nav>
      {View ? (
        <Suspense fallback={<Loading />}>
          <View organization={o} />
        </Suspense>
      ) : (
        <p>No such tab.</p>
      )}
    </>
  );
}
