import { useQuery } from '@tanstack/react-query';
import { trpc } from '../trpc.ts';

/**
 * The partner's organizations by name, for a filter's options and for naming an organization
 * in a table. The first hundred by name: a longer list is no use in a select anyway.
 */
export function useOrganizationOptions() {
  const list = useQuery(
    trpc.organizations.list.queryOptions({ page: 1, pageSize: 100, sort: 'name' }),
  );
  const organizations = list.data?.organizations ?? [];
  return {
    options: organizations.map((o) => ({ value: o.id, label: o.name })),
    nameOf: (id: string | null) => organizations.find((o) => o.id === id)?.name,
  };
}
