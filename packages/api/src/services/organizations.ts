import type { Db, OrganizationRow, OrganizationUpdate, Tx } from '@allot/db';
import {
  checkTierChange,
  checkTrialCap,
  DEFAULT_CREDIT_TYPE,
  pageFields,
  pageOffset,
  periodContaining,
  type CreateOrganizationInput,
  type ListOrganizationsInput,
  type Organization,
  type SetOrganizationBillingInput,
  type Tier,
  type UpdateOrganizationInput,
} from '@allot/domain';
import { sql } from 'kysely';
import { newPublicKey } from '../crypto.ts';
import { conflict, notFound, orRefuse } from '../errors.ts';
import { newId } from '../ids.ts';
import { seedCapWindows } from './charge-guards.ts';
import { emitEvent, emitEvents, type NewEvent } from './events.ts';
import { openAccounts } from './ledger/accounts.ts';
import { allocate, releaseAllocation } from './ledger/allocate.ts';
import { spendableRemaining } from './ledger/blocks.ts';
import { holdingsOf } from './ledger/holdings.ts';
import { lockAccounts, lockBooks, lockOrganization } from './ledger/locks.ts';
import { openBooks, openOrganization } from './ledger/open-books.ts';
import { lockOrganizationSettings } from './organization-access.ts';
import { cycleOf, renewAndLockPartner } from './ledger/renewal.ts';
import { partnerDue, readRenewing, renewsFirst } from './renew-on-read.ts';

type OrganizationWithCredits = OrganizationRow & {
  credits_allocated: number;
  credits_consumed: number;
  credits_available: number;
};

export function toOrganization(row: OrganizationWithCredits): Organization {
  return {
    id: row.id,
    name: row.name,
    externalId: row.external_id,
    ownerUserId: row.owner_user_id,
    status: row.status,
    tier: row.tier,
    credits: row.credits_allocated,
    creditsUsed: row.credits_consumed,
    creditsRemaining: row.credits_available,
    creditAllowance: row.credit_allowance,
    billingPeriod: row.billing_period,
    billingDayOfMonth: row.billing_day_of_month,
    currentPeriod: { start: row.period_start.toISOString(), end: row.period_end.toISOString() },
    productType: row.product_type,
    identificationCap: {
      perPeriod: row.identification_cap_period,
      perDay: row.identification_cap_day,
    },
    anomalyThreshold: row.anomaly_threshold,
    metadata: row.metadata as Organization['metadata'],
    partnerMetadata: { externalId: row.external_id },
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Organizations with their identification credits this period, read from their account. */
function withCredits(db: Db | Tx, now: Date) {
  return db
    .selectFrom('organizations as o')
    .leftJoin('accounts as a', (join) =>
      join
        .onRef('a.organization_id', '=', 'o.id')
        .on('a.kind', '=', 'organization')
        .on('a.credit_type', '=', DEFAULT_CREDIT_TYPE),
    )
    .selectAll('o')
    .select([
      sql<number>`coalesce(a.period_credited, 0)`.as('credits_allocated'),
      sql<number>`coalesce(a.period_consumed, 0)`.as('credits_consumed'),
      // No account yet (a missing row of the join): nothing to spend.
      sql<number>`coalesce(${spendableRemaining(sql.ref('a.id'), now)}, 0)`.as('credits_available'),
    ]);
}

async function readOrganization(db: Db | Tx, partnerId: string, organizationId: string, now: Date) {
  const row = await withCredits(db, now)
    .where('o.id', '=', organizationId)
    .where('o.partner_id', '=', partnerId)
    .executeTakeFirst();
  if (!row) throw notFound('Organization');
  return { organization: toOrganization(row) };
}

/** External ids are unique per partner; a reuse is a 409, not a 500. */
async function guardExternalId<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    const pg = error as { code?: string; constraint?: string };
    if (pg.code === '23505' && pg.constraint === 'organizations_partner_external_id_key') {
      throw conflict(
        'external_id_taken',
        'Another organization of this partner already has this externalId',
      );
    }
    throw error;
  }
}

/** The API's names for the columns a partner can change, as `organization.updated` lists them. */
const fieldNames: Partial<Record<keyof OrganizationRow, string>> = {
  name: 'name',
  external_id: 'externalId',
  owner_user_id: 'ownerUserId',
  metadata: 'metadata',
  product_type: 'productType',
  tier: 'tier',
  billing_period: 'billingPeriod',
  billing_day_of_month: 'billingDayOfMonth',
  credit_allowance: 'creditAllowance',
  identification_cap_period: 'identificationCap.perPeriod',
  identification_cap_day: 'identificationCap.perDay',
  anomaly_threshold: 'anomalyThreshold',
};

/** Saves changes to an organization and emits what they amount to: an update, a status change. */
async function save(trx: Tx, before: OrganizationRow, changes: OrganizationUpdate, now: Date) {
  const after = await guardExternalId(
    trx
      .updateTable('organizations')
      .set({ ...changes, updated_at: now })
      .where('id', '=', before.id)
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
  const changed = Object.entries(fieldNames)
    .filter(([column]) => {
      const key = column as keyof OrganizationRow;
      return JSON.stringify(before[key]) !== JSON.stringify(after[key]);
    })
    .map(([, name]) => name);
  const events: NewEvent[] = [];
  if (changed.length > 0)
    events.push({
      partnerId: after.partner_id,
      organizationId: after.id,
      type: 'organization.updated',
      data: { organizationId: after.id, changed },
    });
  if (before.status !== after.status)
    events.push({
      partnerId: after.partner_id,
      organizationId: after.id,
      type: 'organization.status_changed',
      data: { organizationId: after.id, status: after.status, previousStatus: before.status },
    });
  await emitEvents(trx, events);
  return after;
}

export const listOrganizations = renewsFirst(async function listOrganizations(
  db: Db | Tx,
  partnerId: string,
  input: ListOrganizationsInput,
  now: Date,
) {
  let query = db.selectFrom('organizations').where('partner_id', '=', partnerId);
  if (input.status) query = query.where('status', '=', input.status);
  if (input.tier) query = query.where('tier', '=', input.tier);
  if (input.externalId) query = query.where('external_id', '=', input.externalId);
  if (input.search)
    query = query.where('name', 'ilike', `%${input.search.replace(/[\\%_]/g, '\\$&')}%`);

  // Name sorts compare case-insensitively; the id breaks ties so pages never overlap.
  const descending = input.sort.startsWith('-');
  const direction = descending ? 'desc' : 'asc';
  const key = input.sort.replace('-', '') === 'name' ? sql`lower(name)` : sql`created_at`;
  const [page, count] = await Promise.all([
    query
      .select('id')
      .orderBy(key, direction)
      .orderBy('id', direction)
      .limit(input.pageSize)
      .offset(pageOffset(input))
      .execute(),
    query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  const ids = page.map((row) => row.id);
  const rows =
    ids.length === 0 ? [] : await withCredits(db, now).where('o.id', 'in', ids).execute();
  const position = new Map(ids.map((id, index) => [id, index]));
  rows.sort((a, b) => (position.get(a.id) ?? 0) - (position.get(b.id) ?? 0));
  return {
    organizations: rows.map(toOrganization),
    ...pageFields(input, count.total),
  };
});

/** One organization with its credits: one query, the renew check folded in. */
export async function getOrganization(
  db: Db | Tx,
  partnerId: string,
  organizationId: string,
  now: Date,
) {
  const row = await readRenewing(db, partnerId, now, () =>
    withCredits(db, now)
      .select(partnerDue(db, partnerId, now).as('due'))
      .where('o.id', '=', organizationId)
      .where('o.partner_id', '=', partnerId)
      .executeTakeFirst(),
  );
  if (!row) throw notFound('Organization');
  return { organization: toOrganization(row) };
}

/**
 * Creates an organization with its accounts. Its first allocation (`initialCredits`) is drawn
 * under the same rules as every later allocation; its allowance defaults to the same amount.
 */
export async function createOrganization(
  trx: Tx,
  partnerId: string,
  input: CreateOrganizationInput,
  now: Date,
) {
  const partner = await renewAndLockPartner(trx, partnerId, now);
  const tier: Tier = input.tier ?? 'trial';
  const initialCredits = input.initialCredits ?? 0;
  const cycle = {
    period: input.billingPeriod ?? 'monthly',
    dayOfMonth: input.billingDayOfMonth ?? 1,
    anchor: now,
  };
  const period = periodContaining(now, cycle);
  const allowance = input.creditAllowance ?? initialCredits;
  orRefuse(checkTierChange(tier, allowance));

  const row = await guardExternalId(
    trx
      .insertInto('organizations')
      .values({
        id: newId(),
        partner_id: partnerId,
        name: input.name,
        external_id: input.externalId ?? null,
        owner_user_id: input.ownerUserId ?? null,
        status: 'active',
        tier,
        product_type: input.productType ?? 'B2B',
        billing_period: cycle.period,
        billing_day_of_month: cycle.dayOfMonth,
        billing_anchor: now,
        credit_allowance: allowance,
        metadata: JSON.stringify(input.metadata ?? {}),
        pixel_key: newPublicKey('px_'),
        period_start: period.start,
        charge_period_start: period.start,
        period_end: period.end,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
  await openAccounts(trx, partnerId, [row.id], DEFAULT_CREDIT_TYPE);
  await emitEvent(trx, {
    partnerId,
    organizationId: row.id,
    type: 'organization.created',
    data: {
      organizationId: row.id,
      name: row.name,
      externalId: row.external_id,
      tier: row.tier,
      productType: row.product_type,
      status: row.status,
    },
  });
  if (initialCredits > 0) {
    const books = await lockBooks(await lockOrganization(partner, row.id), DEFAULT_CREDIT_TYPE);
    await allocate(books, initialCredits, now);
  }
  return readOrganization(trx, partnerId, row.id, now);
}

export async function updateOrganization(
  trx: Tx,
  partnerId: string,
  input: UpdateOrganizationInput,
  now: Date,
) {
  const lock = await openOrganization(trx, partnerId, input.organizationId, now);
  const row = lock.organization;
  const changes: OrganizationUpdate = {};
  if (input.name !== undefined) changes.name = input.name;
  if (input.externalId !== undefined) changes.external_id = input.externalId;
  if (input.ownerUserId !== undefined) changes.owner_user_id = input.ownerUserId;
  if (input.metadata !== undefined) changes.metadata = JSON.stringify(input.metadata);
  if (input.productType !== undefined) changes.product_type = input.productType;
  if (Object.keys(changes).length > 0) await save(trx, row, changes, now);
  if (input.credits !== undefined) {
    await allocate(await lockBooks(lock, DEFAULT_CREDIT_TYPE), input.credits, now);
  }
  return readOrganization(trx, partnerId, row.id, now);
}

export async function setOrganizationCredits(
  trx: Tx,
  partnerId: string,
  organizationId: string,
  credits: number,
  now: Date,
) {
  const books = await openBooks(trx, partnerId, organizationId, DEFAULT_CREDIT_TYPE, now);
  await allocate(books, credits, now);
  return readOrganization(trx, partnerId, organizationId, now);
}

/**
 * Soft delete: the organization becomes `canceled` and its data stays. In the same transaction
 * its unspent allocation is given back (its grants stay, frozen); deleting again changes nothing.
 */
export async function removeOrganization(
  trx: Tx,
  partnerId: string,
  organizationId: string,
  now: Date,
) {
  const books = await openBooks(trx, partnerId, organizationId, DEFAULT_CREDIT_TYPE, now);
  if (books.organization.status === 'canceled') return;
  await releaseAllocation(books, now);
  await save(trx, books.organization, { status: 'canceled' }, now);
}

/**
 * `enabled: true` activates (and restores a canceled organization, with nothing left of the
 * allocation its deletion gave back); `false` suspends an active one.
 */
export async function setOrganizationStatus(
  trx: Tx,
  partnerId: string,
  organizationId: string,
  enabled: boolean,
  now: Date,
) {
  // A status change moves no credits: it takes the organization's row only, and the next
  // renewal sees the new status.
  const row = await lockOrganizationSettings(trx, partnerId, organizationId);
  const status = enabled ? 'active' : row.status === 'canceled' ? 'canceled' : 'suspended';
  if (status !== row.status) await save(trx, row, { status }, now);
  return readOrganization(trx, partnerId, organizationId, now);
}

export async function setOrganizationTier(
  trx: Tx,
  partnerId: string,
  organizationId: string,
  tier: Tier,
  now: Date,
) {
  const { organization: row } = await openOrganization(trx, partnerId, organizationId, now);
  orRefuse(checkTierChange(tier, row.credit_allowance));
  const account = await trx
    .selectFrom('accounts')
    .select(['id', 'period_credited'])
    .where('organization_id', '=', row.id)
    .where('kind', '=', 'organization')
    .where('credit_type', '=', DEFAULT_CREDIT_TYPE)
    .executeTakeFirstOrThrow();
  // What it holds must already fit the tier: pending grants count as they do for a new grant.
  orRefuse(checkTrialCap(tier, await holdingsOf(trx, account, now)));
  if (tier !== row.tier) await save(trx, row, { tier }, now);
  return readOrganization(trx, partnerId, organizationId, now);
}

/**
 * Changes the billing cycle or the recurring allowance. The current period keeps its credits;
 * only its bounds follow the new cycle. The allowance applies from the next period.
 */
export async function setOrganizationBilling(
  trx: Tx,
  partnerId: string,
  input: SetOrganizationBillingInput,
  now: Date,
) {
  const lock = await openOrganization(trx, partnerId, input.organizationId, now);
  const row = lock.organization;
  const next = {
    billing_period: input.billingPeriod ?? row.billing_period,
    billing_day_of_month: input.billingDayOfMonth ?? row.billing_day_of_month,
    credit_allowance: input.creditAllowance ?? row.credit_allowance,
  };
  // Guards take effect with the next charge; what they refused so far stays refused.
  const guards = {
    identification_cap_period:
      input.identificationCap?.perPeriod === undefined
        ? row.identification_cap_period
        : input.identificationCap.perPeriod,
    identification_cap_day:
      input.identificationCap?.perDay === undefined
        ? row.identification_cap_day
        : input.identificationCap.perDay,
    anomaly_threshold:
      input.anomalyThreshold === undefined ? row.anomaly_threshold : input.anomalyThreshold,
  };
  orRefuse(checkTierChange(row.tier, next.credit_allowance));
  const period = periodContaining(now, cycleOf({ ...next, billing_anchor: row.billing_anchor }));
  const saved = await save(
    trx,
    row,
    { ...next, ...guards, period_start: period.start, period_end: period.end },
    now,
  );
  await seedCapWindows(trx, saved, now);
  // This period's allowance and allocation lapse at its new end.
  await lockAccounts(lock, [row.id], null);
  await trx
    .updateTable('blocks')
    .set({ expires_at: period.end })
    .where('kind', 'in', ['allocation', 'renewal', 'amendment'])
    .where('spent', '=', false)
    .where('expires_at', '=', row.period_end)
    .where('account_id', 'in', (eb) =>
      eb.selectFrom('accounts').select('id').where('organization_id', '=', row.id),
    )
    .execute();
  return readOrganization(trx, partnerId, row.id, now);
}
