import { sql } from 'kysely';
import type { Db, Tx } from '@allot/db';
import {
  defined,
  MAX_ICP_PROFILES,
  matchingProfiles,
  type CompanyIdentity,
  type IcpRules,
} from '@allot/domain';
import { notFound, refused } from '../errors.ts';
import { newId } from '../ids.ts';
import { lockOrganizationSettings, requireOrganization } from './organization-access.ts';

interface ProfileRow {
  id: string;
  organization_id: string;
  name: string;
  rules: IcpRules;
  created_at: Date;
  updated_at: Date;
}

const toProfile = (row: ProfileRow) => ({
  id: row.id,
  organizationId: row.organization_id,
  name: row.name,
  rules: row.rules,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

/** Organizations' profiles, oldest first: the order their names are listed on a visitor. */
function profilesOfAll(db: Db | Tx, organizationIds: string[]) {
  return db
    .selectFrom('icp_profiles')
    .selectAll()
    .where('organization_id', 'in', organizationIds)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** An organization's profiles, oldest first. */
export function profilesOf(db: Db | Tx, organizationId: string) {
  return profilesOfAll(db, [organizationId]);
}

/** The profiles of each of these organizations, oldest first (a pixel batch's, in one read). */
export async function profilesByOrganization(db: Db | Tx, organizationIds: string[]) {
  const byOrganization = new Map<string, Awaited<ReturnType<typeof profilesOf>>>();
  if (organizationIds.length === 0) return byOrganization;
  for (const profile of await profilesOfAll(db, [...new Set(organizationIds)])) {
    const list = byOrganization.get(profile.organization_id) ?? [];
    list.push(profile);
    byOrganization.set(profile.organization_id, list);
  }
  return byOrganization;
}

export async function listIcpProfiles(db: Db | Tx, partnerId: string, organizationId: string) {
  await requireOrganization(db, partnerId, organizationId);
  return { profiles: (await profilesOf(db, organizationId)).map(toProfile) };
}

const nameTaken = (name: string) =>
  refused({ code: 'icp_name_taken', message: `An ICP profile named "${name}" already exists` });

async function assertNameFree(trx: Tx, organizationId: string, name: string, except?: string) {
  let query = trx
    .selectFrom('icp_profiles')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where(sql<string>`lower(name)`, '=', name.toLowerCase());
  if (except) query = query.where('id', '<>', except);
  if (await query.executeTakeFirst()) throw nameTaken(name);
}

export async function createIcpProfile(
  trx: Tx,
  partnerId: string,
  input: { organizationId: string; name: string; rules: IcpRules },
  now: Date,
) {
  // The organization's row lock serialises profile changes, so the count and name checks hold.
  await lockOrganizationSettings(trx, partnerId, input.organizationId);
  const { count } = await trx
    .selectFrom('icp_profiles')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('organization_id', '=', input.organizationId)
    .executeTakeFirstOrThrow();
  if (Number(count) >= MAX_ICP_PROFILES)
    throw refused({
      code: 'icp_profile_limit',
      message: `An organization has at most ${MAX_ICP_PROFILES} ICP profiles`,
    });
  await assertNameFree(trx, input.organizationId, input.name);
  const row = await trx
    .insertInto('icp_profiles')
    .values({
      id: newId(),
      partner_id: partnerId,
      organization_id: input.organizationId,
      name: input.name,
      rules: JSON.stringify(input.rules),
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recomputeIcpMatches(trx, input.organizationId);
  return { profile: toProfile(row) };
}

export async function updateIcpProfile(
  trx: Tx,
  partnerId: string,
  input: { organizationId: string; icpId: string; name: string; rules: IcpRules },
  now: Date,
) {
  await lockOrganizationSettings(trx, partnerId, input.organizationId);
  await assertNameFree(trx, input.organizationId, input.name, input.icpId);
  const row = await trx
    .updateTable('icp_profiles')
    .set({ name: input.name, rules: JSON.stringify(input.rules), updated_at: now })
    .where('id', '=', input.icpId)
    .where('organization_id', '=', input.organizationId)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw notFound('ICP profile');
  await recomputeIcpMatches(trx, input.organizationId);
  return { profile: toProfile(row) };
}

export async function deleteIcpProfile(
  trx: Tx,
  partnerId: string,
  input: { organizationId: string; icpId: string },
) {
  await lockOrganizationSettings(trx, partnerId, input.organizationId);
  const row = await trx
    .deleteFrom('icp_profiles')
    .where('id', '=', input.icpId)
    .where('organization_id', '=', input.organizationId)
    .returning('id')
    .executeTakeFirst();
  if (!row) throw notFound('ICP profile');
  await recomputeIcpMatches(trx, input.organizationId);
}

/** The company a visitor row was identified as, in the shape the ICP rules read. */
export function companyOf(row: {
  company_name: string | null;
  company_domain: string | null;
  industry: string | null;
  employee_count: number | null;
  revenue: number | null;
  country: string | null;
}): CompanyIdentity | null {
  if (row.company_name === null) return null;
  return {
    name: row.company_name,
    domain: row.company_domain,
    industry: row.industry,
    employeeCount: row.employee_count,
    revenue: row.revenue,
    country: row.country,
  };
}

const RECOMPUTE_BATCH = 1000;

/**
 * Re-tests every identified visitor of the organization against its current profiles, in
 * keyset batches so memory stays flat however many visitors there are. Runs in the caller's
 * transaction: a profile change and the matches it implies commit together.
 */
export async function recomputeIcpMatches(trx: Tx, organizationId: string) {
  const profiles = await profilesOf(trx, organizationId);
  let after: string | null = null;
  for (;;) {
    let query = trx
      .selectFrom('visitors')
      .select([
        'id',
        'company_name',
        'company_domain',
        'industry',
        'employee_count',
        'revenue',
        'country',
        'icp_profile_ids',
      ])
      .where('organization_id', '=', organizationId)
      .where('company_name', 'is not', null)
      .orderBy('id')
      .limit(RECOMPUTE_BATCH);
    if (after) query = query.where('id', '>', after);
    const rows = await query.execute();
    const changed = rows
      .map((row) => ({
        id: row.id,
        was: row.icp_profile_ids,
        now: matchingProfiles(profiles, companyOf(row)),
      }))
      .filter((row) => row.was.join() !== row.now.join());
    if (changed.length > 0)
      await sql`
        UPDATE visitors AS v SET icp_profile_ids = c.ids
        FROM jsonb_to_recordset(${JSON.stringify(changed.map((c) => ({ id: c.id, ids: c.now })))}::jsonb)
          AS c(id uuid, ids uuid[])
        WHERE v.id = c.id`.execute(trx);
    if (rows.length < RECOMPUTE_BATCH) return;
    after = defined(rows.at(-1), "the batch's last visitor").id;
  }
}
