import { sql } from 'kysely';
import type { Db, PartnerRow, Tx } from '@allot/db';
import {
  checkPoolTotal,
  DEFAULT_CREDIT_TYPE,
  drawsFromPool,
  pageFields,
  pageOffset,
  periodContaining,
  type CreatePartnerInput,
  type ListPartnersInput,
  type Partner,
  type SetPartnerBillingInput,
} from '@allot/domain';
import { notFound, orRefuse } from '../errors.ts';
import { newId } from '../ids.ts';
import { createApiKey } from './api-keys.ts';
import { lockPartnerBooks } from './ledger/locks.ts';
import { poolState, resizePool } from './ledger/pool.ts';
import { postTransfers } from './ledger/post.ts';
import { cycleOf, renewAndLockPartner } from './ledger/renewal.ts';
import { createUser } from './users.ts';

const toPartner = (row: PartnerRow): Partner => ({
  id: row.id,
  name: row.name,
  billingMode: row.billing_mode,
  billingPeriod: row.billing_period,
  billingDayOfMonth: row.billing_day_of_month,
  poolCredits: row.pool_credits,
  createdAt: row.created_at.toISOString(),
});

/**
 * Onboards a partner with its first API key (returned in plaintext this once) and, when asked,
 * its first admin user.
 */
export async function createPartner(trx: Tx, input: CreatePartnerInput, now: Date) {
  const cycle = { period: input.billingPeriod, dayOfMonth: input.billingDayOfMonth, anchor: now };
  const period = periodContaining(now, cycle);
  const row = await trx
    .insertInto('partners')
    .values({
      id: newId(),
      name: input.name,
      billing_mode: input.billingMode,
      billing_period: input.billingPeriod,
      billing_day_of_month: input.billingDayOfMonth,
      billing_anchor: now,
      pool_credits: input.poolCredits,
      pool_period_start: period.start,
      pool_period_end: period.end,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  // The new partner's row is this transaction's: locking it waits for nobody.
  const partner = await renewAndLockPartner(trx, row.id, now);
  const books = await lockPartnerBooks(partner, DEFAULT_CREDIT_TYPE);
  const total = drawsFromPool(input.billingMode) ? input.poolCredits : 0;
  const fill = { current: 0, total, period, reason: 'Pool for the period' };
  await postTransfers(books, await resizePool(books, fill, 'renewal', now), now);
  const { apiKey } = await createApiKey(trx, row.id);
  if (!input.admin) return { partner: toPartner(row), apiKey };
  const admin = await createUser(trx, row.id, { ...input.admin, role: 'admin' }, now);
  return { partner: toPartner(row), apiKey, admin };
}

export async function listPartners(db: Db | Tx, input: ListPartnersInput) {
  const [rows, count] = await Promise.all([
    db
      .selectFrom('partners')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .limit(input.pageSize)
      .offset(pageOffset(input))
      .execute(),
    db
      .selectFrom('partners')
      .select((eb) => eb.fn.countAll<string>().as('total'))
      .executeTakeFirstOrThrow(),
  ]);
  return {
    partners: rows.map(toPartner),
    ...pageFields(input, count.total),
  };
}

/**
 * Changes a partner's billing. A new pool size applies to the current period at once (the
 * difference is issued to or taken from the pool); in `credit_pool` mode it may not drop below
 * what is already drawn from it. Leaving `credit_pool` empties the pool.
 */
export async function setPartnerBilling(trx: Tx, input: SetPartnerBillingInput, now: Date) {
  const lock = await renewAndLockPartner(trx, input.partnerId, now);
  const { partner } = lock;
  const next = {
    billing_mode: input.billingMode ?? partner.billing_mode,
    billing_period: input.billingPeriod ?? partner.billing_period,
    billing_day_of_month: input.billingDayOfMonth ?? partner.billing_day_of_month,
    pool_credits: input.poolCredits ?? partner.pool_credits,
  };
  const books = await lockPartnerBooks(lock, DEFAULT_CREDIT_TYPE);
  const pool = await poolState(trx, books.accounts.pool, now);
  const drawn = pool.total - pool.available;
  const total = drawsFromPool(next.billing_mode) ? next.pool_credits : drawn;
  if (drawsFromPool(next.billing_mode)) orRefuse(checkPoolTotal(total, drawn));
  // The current period keeps what was drawn from it; only its bounds follow the new cycle.
  const period = periodContaining(
    now,
    cycleOf({ ...next, billing_anchor: partner.billing_anchor }),
  );
  const change = {
    current: pool.total,
    total,
    period,
    reason: 'Pool changed by the operator',
  };
  await postTransfers(books, await resizePool(books, change, 'amendment', now), now);
  // The pool's credits lapse at the end of the period they belong to, wherever it now falls.
  await trx
    .updateTable('blocks')
    .set({ expires_at: period.end })
    .where('account_id', '=', books.accounts.pool.id)
    .where('spent', '=', false)
    .where('expires_at', '=', partner.pool_period_end)
    .execute();
  const row = await trx
    .updateTable('partners')
    .set({
      ...next,
      pool_period_start: period.start,
      pool_period_end: period.end,
      updated_at: now,
    })
    .where('id', '=', partner.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { partner: toPartner(row) };
}

/** A 404 unless the partner exists: what an operator write about a partner checks first. */
export async function requirePartner(db: Db | Tx, partnerId: string): Promise<void> {
  if (!(await partnerExists(db, partnerId))) throw notFound('Partner');
}

/** The partner's row as it stands (unlocked); a 404 for an unknown id. */
export async function readPartner(db: Db | Tx, partnerId: string) {
  const partner = await db
    .selectFrom('partners')
    .selectAll()
    .where('id', '=', partnerId)
    .executeTakeFirst();
  if (!partner) throw notFound('Partner');
  return partner;
}

/** Whether a partner exists: the operator's routes answer 404 for unknown ids. */
export async function partnerExists(db: Db | Tx, partnerId: string): Promise<boolean> {
  const row = await db
    .selectFrom('partners')
    .select(sql`1`.as('one'))
    .where('id', '=', partnerId)
    .executeTakeFirst();
  return row !== undefined;
}
