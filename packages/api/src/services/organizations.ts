import type { Db, OrganizationRow, OrganizationUpdate, PartnerRow, Tx } from '@allot/db';
import {
  checkTierChange,
  periodContaining,
  planAllocation,
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
import { cycleOf, lockPartner, refreshPeriods } from './periods.ts';

export function toOrganization(row: OrganizationRow): Organization {
  return {
    id: row.id,
    name: row.name,
    externalId: row.external_id,
    ownerUserId: row.owner_user_id,
    status: row.status,
    tier: row.tier,
    credits: row.credits_allocated,
    creditsUsed: row.credits_consumed,
    creditsRemaining: Math.max(0, row.credits_allocated - row.credits_consumed),
    creditAllowance: row.credit_allowance,
    billingPeriod: row.billing_period,
    billingDayOfMonth: row.billing_day_of_month,
    currentPeriod: { start: row.period_start.toISOString(), end: row.period_end.toISOString() },
    productType: row.product_type,
    metadata: row.metadata as Organization['metadata'],
    partnerMetadata: { externalId: row.external_id },
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const envelope = (row: OrganizationRow) => ({ organization: toOrganization(row) });

/** Another partner's organization is indistinguishable from a missing one: both are 404. */
async function lockOrganization(trx: Tx, partnerId: string, organizationId: string) {
  const row = await trx
    .selectFrom('organizations')
    .selectAll()
    .where('id', '=', organizationId)
    .where('partner_id', '=', partnerId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound('Organization');
  return row;
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

async function save(trx: Tx, id: string, changes: OrganizationUpdate, now: Date) {
  return guardExternalId(
    trx
      .updateTable('organizations')
      .set({ ...changes, updated_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
}

/**
 * Sets an organization's allocation for its current period, moving the difference between
 * the pool and the organization. Both rows are locked by the caller.
 */
async function allocate(
  trx: Tx,
  partner: PartnerRow,
  org: OrganizationRow,
  target: number,
  now: Date,
) {
  const delta = orRefuse(
    planAllocation(
      {
        mode: partner.billing_mode,
        tier: org.tier,
        status: org.status,
        allocated: org.credits_allocated,
        consumed: org.credits_consumed,
        pool: { total: partner.pool_total, allocated: partner.pool_allocated },
      },
      target,
    ),
  );
  if (delta !== 0) {
    await trx
      .updateTable('partners')
      // A return never takes the pool's drawn count below zero (credits drawn in an earlier pool period lapse with it).
      .set({ pool_allocated: sql<number>`greatest(pool_allocated + ${delta}, 0)`, updated_at: now })
      .where('id', '=', partner.id)
      .execute();
  }
  return save(trx, org.id, { credits_allocated: target }, now);
}

export async function listOrganizations(
  db: Db | Tx,
  partnerId: string,
  input: ListOrganizationsInput,
  now: Date,
) {
  await refreshPeriods(db, partnerId, now);
  let query = db.selectFrom('organizations').where('partner_id', '=', partnerId);
  if (input.status) query = query.where('status', '=', input.status);
  if (input.tier) query = query.where('tier', '=', input.tier);
  if (input.externalId) query = query.where('external_id', '=', input.externalId);
  if (input.search)
    query = query.where('name', 'ilike', `%${input.search.replace(/[\\%_]/g, '\\$&')}%`);

  const [rows, count] = await Promise.all([
    query
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(input.pageSize)
      .offset((input.page - 1) * input.pageSize)
      .execute(),
    query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return {
    organizations: rows.map(toOrganization),
    total: Number(count.total),
    page: input.page,
    pageSize: input.pageSize,
  };
}

export async function getOrganization(
  db: Db | Tx,
  partnerId: string,
  organizationId: string,
  now: Date,
) {
  await refreshPeriods(db, partnerId, now);
  const row = await db
    .selectFrom('organizations')
    .selectAll()
    .where('id', '=', organizationId)
    .where('partner_id', '=', partnerId)
    .executeTakeFirst();
  if (!row) throw notFound('Organization');
  return envelope(row);
}

/**
 * Creates an organization. Its first allocation (`initialCredits`) is drawn from the pool under
 * the same rules as any later allocation; its allowance defaults to the same amount.
 */
export async function createOrganization(
  trx: Tx,
  partnerId: string,
  input: CreateOrganizationInput,
  now: Date,
) {
  const partner = await lockPartner(trx, partnerId, now);
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
        period_end: period.end,
        credits_allocated: 0,
        credits_consumed: 0,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
  return envelope(
    initialCredits > 0 ? await allocate(trx, partner, row, initialCredits, now) : row,
  );
}

export async function updateOrganization(
  trx: Tx,
  partnerId: string,
  input: UpdateOrganizationInput,
  now: Date,
) {
  const partner = await lockPartner(trx, partnerId, now);
  let row = await lockOrganization(trx, partnerId, input.organizationId);
  const changes: OrganizationUpdate = {};
  if (input.name !== undefined) changes.name = input.name;
  if (input.externalId !== undefined) changes.external_id = input.externalId;
  if (input.ownerUserId !== undefined) changes.owner_user_id = input.ownerUserId;
  if (input.metadata !== undefined) changes.metadata = JSON.stringify(input.metadata);
  if (input.productType !== undefined) changes.product_type = input.productType;
  if (Object.keys(changes).length > 0) row = await save(trx, row.id, changes, now);
  if (input.credits !== undefined) row = await allocate(trx, partner, row, input.credits, now);
  return envelope(row);
}

export async function setOrganizationCredits(
  trx: Tx,
  partnerId: string,
  organizationId: string,
  credits: number,
  now: Date,
) {
  const partner = await lockPartner(trx, partnerId, now);
  const row = await lockOrganization(trx, partnerId, organizationId);
  return envelope(await allocate(trx, partner, row, credits, now));
}

/** Soft delete: the organization becomes `canceled` and everything about it stays. */
export async function removeOrganization(
  trx: Tx,
  partnerId: string,
  organizationId: string,
  now: Date,
) {
  const row = await lockOrganization(trx, partnerId, organizationId);
  if (row.status !== 'canceled') await save(trx, row.id, { status: 'canceled' }, now);
}

/** `enabled: true` activates (and restores a canceled organization); `false` suspends an active one. */
export async function setOrganizationStatus(
  trx: Tx,
  partnerId: string,
  organizationId: string,
  enabled: boolean,
  now: Date,
) {
  const row = await lockOrganization(trx, partnerId, organizationId);
  const status = enabled ? 'active' : row.status === 'canceled' ? 'canceled' : 'suspended';
  return envelope(status === row.status ? row : await save(trx, row.id, { status }, now));
}

export async function setOrganizationTier(
  trx: Tx,
  partnerId: string,
  organizationId: string,
  tier: Tier,
  now: Date,
) {
  await lockPartner(trx, partnerId, now);
  const row = await lockOrganization(trx, partnerId, organizationId);
  orRefuse(checkTierChange(tier, Math.max(row.credits_allocated, row.credit_allowance)));
  return envelope(tier === row.tier ? row : await save(trx, row.id, { tier }, now));
}

/**
 * Changes the billing cycle or the recurring allowance. The current period keeps its allocation
 * and consumption; only its bounds follow the new cycle. The allowance applies from the next period.
 */
export async function setOrganizationBilling(
  trx: Tx,
  partnerId: string,
  input: SetOrganizationBillingInput,
  now: Date,
) {
  await lockPartner(trx, partnerId, now);
  const row = await lockOrganization(trx, partnerId, input.organizationId);
  const next = {
    billing_period: input.billingPeriod ?? row.billing_period,
    billing_day_of_month: input.billingDayOfMonth ?? row.billing_day_of_month,
    credit_allowance: input.creditAllowance ?? row.credit_allowance,
  };
  orRefuse(checkTierChange(row.tier, next.credit_allowance));
  const period = periodContaining(now, cycleOf({ ...next, billing_anchor: row.billing_anchor }));
  return envelope(
    await save(trx, row.id, { ...next, period_start: period.start, period_end: period.end }, now),
  );
}
