import { sql } from 'kysely';
import type { Db, Tx } from '@allot/db';
import { TOP_PAGES, type ListVisitorsInput } from '@allot/domain';
import { requireOrganization } from './organization-access.ts';
import { profilesOf } from './icp.ts';

/** `pages` ({path: views}) as the most viewed paths, most first, ties by path. */
function topPages(pages: Record<string, number>) {
  return Object.entries(pages)
    .map(([path, views]) => ({ path, views: Number(views) }))
    .sort((a, b) => b.views - a.views || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .slice(0, TOP_PAGES);
}

/** An organization's visitors, last seen first, optionally only (un)identified or (un)matched ones. */
export async function listVisitors(db: Db | Tx, partnerId: string, input: ListVisitorsInput) {
  await requireOrganization(db, partnerId, input.organizationId);

  let visitors = db.selectFrom('visitors').where('organization_id', '=', input.organizationId);
  if (input.identified !== undefined)
    visitors = visitors.where('identified_at', input.identified ? 'is not' : 'is', null);
  if (input.icpMatched !== undefined)
    visitors = visitors.where(
      sql<boolean>`cardinality(icp_profile_ids) ${sql.raw(input.icpMatched ? '>' : '=')} 0`,
    );

  const [rows, count, profiles] = await Promise.all([
    visitors
      .selectAll()
      .orderBy('last_seen_at', 'desc')
      .orderBy('id', 'desc')
      .limit(input.limit)
      .offset((input.page - 1) * input.limit)
      .execute(),
    visitors.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    profilesOf(db, input.organizationId),
  ]);
  const profileNames = new Map(profiles.map((profile) => [profile.id, profile.name]));
  const total = Number(count.total);
  return {
    visitorsCount: total,
    currentPage: input.page,
    totalPageCount: Math.ceil(total / input.limit),
    visitorStatistics: rows.map((row) => {
      const matched = row.icp_profile_ids.flatMap((id) => profileNames.get(id) ?? []);
      return {
        visitorId: row.id,
        email: row.email,
        emailSource: row.email_source,
        firstName: row.first_name,
        lastName: row.last_name,
        companyName: row.company_name,
        companyDomain: row.company_domain,
        industry: row.industry,
        employeeCount: row.employee_count,
        country: row.country,
        identified: row.identified_at !== null,
        identityId: row.identity_id,
        icpMatch: { matched: matched.length > 0, profiles: matched },
        pageViews: row.page_views,
        sessions: row.sessions,
        engagedSeconds: row.engaged_seconds,
        firstSeenAt: row.first_seen_at.toISOString(),
        lastSeenAt: row.last_seen_at.toISOString(),
        topPages: topPages(row.pages),
      };
    }),
  };
}
