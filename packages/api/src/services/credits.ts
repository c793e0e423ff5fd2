import { sql } from 'kysely';
import type { AccountRow, BlockRow, Db, OrganizationRow, PartnerRow, Tx } from '@allot/db';
import {
  checkExpiry,
  checkPoolRoom,
  checkReceivesCredits,
  checkTrialCap,
  DEFAULT_CREDIT_TYPE,
  DEFAULT_PRIORITY,
  drawsFromPool,
  EXPIRING_SOON_DAYS,
  GRANT_KINDS,
  pageFields,
  pageOffset,
  planAllocation,
  type Balance,
  type CreateAmendmentInput,
  type CreateGrantInput,
  type ListGrantsInput,
  type SetGrantExpiryInput,
  type VoidGrantInput,
} from '@allot/domain';
import { notFound, orRefuse, refused } from '../errors.ts';
import { emitEvent } from './events.ts';
import { lockBooks, requireCreditType, type Books } from './ledger/accounts.ts';
import {
  drawFrom,
  grantStatusSql,
  insertBlocks,
  setRemaining,
  spendable,
  spendableBlocks,
  toGrant,
  type Portion,
} from './ledger/blocks.ts';
import { burn } from './ledger/consume.ts';
import { holdingsOf } from './ledger/holdings.ts';
import { poolState } from './ledger/pool.ts';
import { postTransfers, type Transfer } from './ledger/post.ts';
import { lockOrganization, requireOrganization } from './organization-access.ts';
import { lockPartner } from './periods.ts';
import { renewsFirst } from './renew-on-read.ts';

/** Everything a credit change of one organization works on, renewed and locked. */
interface Desk {
  partner: PartnerRow;
  org: OrganizationRow;
  creditType: string;
  books: Books;
  /** Credits of this type come from the partner's pool (credit_pool mode, the pool's type). */
  pooled: boolean;
}

/** Lock order: partner (renewing its periods), organization, then the accounts. */
export async function openDesk(
  trx: Tx,
  partnerId: string,
  organizationId: string,
  creditType: string,
  now: Date,
  partner?: PartnerRow,
): Promise<Desk> {
  const lockedPartner = partner ?? (await lockPartner(trx, partnerId, now));
  const org = await lockOrganization(trx, partnerId, organizationId);
  await requireCreditType(trx, creditType);
  const books = await lockBooks(trx, partnerId, organizationId, creditType);
  const pooled = drawsFromPool(lockedPartner.billing_mode) && creditType === DEFAULT_CREDIT_TYPE;
  return { partner: lockedPartner, org, creditType, books, pooled };
}

/**
 * A grant or a positive amendment adds to the credits the organization holds, not to its
 * allocation: the trial cap must still hold after it.
 */
async function refuseOverCap(trx: Tx, desk: Desk, amount: number, now: Date): Promise<void> {
  const held = await holdingsOf(trx, desk.books.organization.organization, now);
  orRefuse(checkTrialCap(desk.org.tier, { ...held, unexpired: held.unexpired + amount }));
}

/**
 * Moves `amount` into the organization from its source (the pool, or the partner's issuance
 * account) into a new block. In credit_pool mode the pool must hold enough (422 otherwise).
 */
async function credit(
  trx: Tx,
  desk: Desk,
  block: Omit<Parameters<typeof insertBlocks>[1][number], 'accountId'>,
  type: 'allocation' | 'increment',
  now: Date,
): Promise<{ row: BlockRow; transfers: Transfer[] }> {
  const { books } = desk;
  // Outside the pool the credits are issued: one portion, from an account without blocks.
  let draws: Portion[] = [{ blockId: null, amount: block.amount }];
  if (desk.pooled) {
    const poolBlocks = await spendableBlocks(trx, books.partner.pool.id, now);
    orRefuse(
      checkPoolRoom(
        poolBlocks.reduce((sum, b) => sum + b.remaining, 0),
        block.amount,
      ),
    );
    draws = (await drawFrom(trx, poolBlocks, [block.amount]))[0]!;
  }
  const to = books.organization.organization.id;
  const [row] = await insertBlocks(trx, [{ ...block, accountId: to }], now);
  const transfers: Transfer[] = draws.map((portion) => ({
    from: desk.pooled ? books.partner.pool.id : books.partner.issuance.id,
    to,
    amount: portion.amount,
    type,
    fromBlock: portion.blockId,
    toBlock: row!.id,
    reason: block.reason ?? null,
  }));
  return { row: row!, transfers };
}

/**
 * Credits leaving an organization (a lowered allocation, a void). In credit_pool mode they go
 * back to the pool as far as this pool period lent them (a new pool block); credits from an
 * earlier pool period lapsed with it, so the rest leaves to `elsewhere`.
 */
async function release(
  trx: Tx,
  desk: Desk,
  portions: Portion[],
  type: 'reclaim' | 'void',
  elsewhere: AccountRow,
  reason: string,
  now: Date,
): Promise<Transfer[]> {
  const { books } = desk;
  const total = portions.reduce((sum, p) => sum + p.amount, 0);
  let toPool = 0;
  let poolBlock: string | null = null;
  if (desk.pooled && total > 0) {
    const pool = await poolState(trx, books.partner.pool, now);
    toPool = Math.min(total, pool.total - pool.available);
    if (toPool > 0) {
      const [row] = await insertBlocks(
        trx,
        [
          {
            accountId: books.partner.pool.id,
            kind: 'pool',
            amount: toPool,
            effectiveAt: desk.partner.pool_period_start,
            expiresAt: desk.partner.pool_period_end,
            reason: `Returned by organization ${desk.org.id}: ${reason}`,
          },
        ],
        now,
      );
      poolBlock = row!.id;
    }
  }
  const from = books.organization.organization.id;
  const transfers: Transfer[] = [];
  let left = toPool;
  for (const portion of portions) {
    const back = Math.min(left, portion.amount);
    left -= back;
    if (back > 0) {
      transfers.push({
        from,
        to: books.partner.pool.id,
        amount: back,
        type,
        fromBlock: portion.blockId,
        toBlock: poolBlock,
        reason,
      });
    }
    if (portion.amount > back) {
      transfers.push({
        from,
        to: elsewhere.id,
        amount: portion.amount - back,
        type,
        fromBlock: portion.blockId,
        reason,
      });
    }
  }
  return transfers;
}

/**
 * Sets an organization's allocation for its current period (`PUT .../credits`): a raise draws
 * from the source into a new allocation block; a lowering takes back unspent allocation.
 */
export async function allocate(
  trx: Tx,
  desk: Desk,
  target: number,
  now: Date,
  reason = `Allocation set to ${target}`,
): Promise<void> {
  const { books, org } = desk;
  const account = books.organization.organization;
  const held = await holdingsOf(trx, account, now);
  const pool = desk.pooled
    ? await poolState(trx, books.partner.pool, now)
    : { total: 0, available: 0 };
  const delta = orRefuse(
    planAllocation(
      {
        mode: desk.partner.billing_mode,
        tier: org.tier,
        status: org.status,
        allocated: account.period_credited,
        consumed: account.period_credited - held.allocationRemaining,
        unexpired: held.unexpired,
        pool: { total: pool.total, allocated: pool.total - pool.available },
      },
      target,
    ),
  );
  if (delta > 0) {
    const { transfers } = await credit(
      trx,
      desk,
      {
        kind: 'allocation',
        amount: delta,
        effectiveAt: org.period_start,
        expiresAt: org.period_end,
        reason,
      },
      'allocation',
      now,
    );
    await postTransfers(trx, transfers, now);
  } else if (delta < 0) {
    // Unspent allocation comes back, the credits least likely to be spent next first.
    const blocks = (await spendableBlocks(trx, account.id, now))
      .filter((b) => b.kind === 'allocation' || b.kind === 'renewal')
      .reverse();
    const portions = (await drawFrom(trx, blocks, [-delta]))[0]!;
    await postTransfers(
      trx,
      await release(trx, desk, portions, 'reclaim', books.partner.issuance, reason, now),
      now,
    );
  }
  if (delta !== 0) {
    await trx
      .updateTable('accounts')
      .set({ period_credited: target })
      .where('id', '=', account.id)
      .execute();
    await emitEvent(trx, {
      partnerId: desk.partner.id,
      organizationId: org.id,
      type: 'credits.allocated',
      data: {
        organizationId: org.id,
        creditType: desk.creditType,
        allocated: target,
        previousAllocated: account.period_credited,
      },
    });
  }
}

/**
 * Deleting an organization gives back its unspent allocation: the allocation is lowered to what
 * the organization consumed of it this period, exactly as `PUT .../credits` would lower it, so
 * the credits go where a lowering sends them (the pool in credit_pool mode, else the issuance
 * account they came from). Grants are not allocations: they stay, frozen while it is canceled.
 */
export async function releaseAllocation(trx: Tx, desk: Desk, now: Date): Promise<void> {
  const account = desk.books.organization.organization;
  const held = await holdingsOf(trx, account, now);
  const consumed = Math.max(0, account.period_credited - held.allocationRemaining);
  await allocate(trx, desk, consumed, now, 'Organization deleted');
}

/** A grant's input; the kinds a partner may name, or `top_up` when an auto top-up grants. */
type GrantInput = Omit<CreateGrantInput, 'kind'> & { kind?: CreateGrantInput['kind'] | 'top_up' };

export async function createGrant(trx: Tx, partnerId: string, input: GrantInput, now: Date) {
  const creditType = input.creditType ?? DEFAULT_CREDIT_TYPE;
  const desk = await openDesk(trx, partnerId, input.organizationId, creditType, now);
  orRefuse(checkReceivesCredits(desk.org.status));
  const effectiveAt = input.effectiveAt ? new Date(input.effectiveAt) : now;
  const expiresAt = orRefuse(
    checkExpiry(input.expiresAt ? new Date(input.expiresAt) : null, effectiveAt, now),
  );
  await refuseOverCap(trx, desk, input.amount, now);
  const { row, transfers } = await credit(
    trx,
    desk,
    {
      kind: input.kind ?? 'promotional',
      amount: input.amount,
      priority: input.priority ?? DEFAULT_PRIORITY,
      effectiveAt,
      expiresAt,
      costBasis: input.costBasis ?? null,
      reason: input.reason,
    },
    'increment',
    now,
  );
  await postTransfers(trx, transfers, now);
  const grant = toGrant(row, creditType, now);
  await emitEvent(trx, {
    partnerId,
    organizationId: input.organizationId,
    type: 'credits.granted',
    data: {
      organizationId: input.organizationId,
      grantId: grant.id,
      creditType,
      amount: grant.amount,
      kind: grant.kind,
      expiresAt: grant.expiresAt,
      reason: grant.reason,
    },
  });
  return { grant };
}

/** A block of this organization, with its credit type; 404 for anything else. */
async function findGrant(trx: Tx, organizationId: string, grantId: string) {
  const row = await trx
    .selectFrom('blocks')
    .innerJoin('accounts', 'accounts.id', 'blocks.account_id')
    .select('accounts.credit_type')
    .where('blocks.id', '=', grantId)
    .where('accounts.organization_id', '=', organizationId)
    .where('accounts.kind', '=', 'organization')
    .executeTakeFirst();
  if (!row) throw notFound('Grant');
  return row.credit_type;
}

/** The grant, locked after its account (the lock order of every ledger write). */
async function lockGrant(
  trx: Tx,
  input: { organizationId: string; grantId: string },
  partnerId: string,
  now: Date,
) {
  // The lock order of every ledger write: partner, organization (a 404 for another partner's),
  // then the grant's accounts.
  const partner = await lockPartner(trx, partnerId, now);
  await lockOrganization(trx, partnerId, input.organizationId);
  const creditType = await findGrant(trx, input.organizationId, input.grantId);
  const desk = await openDesk(trx, partnerId, input.organizationId, creditType, now, partner);
  const block = await trx
    .selectFrom('blocks')
    .selectAll()
    .where('id', '=', input.grantId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const status = toGrant(block, creditType, now).status;
  if (status === 'voided')
    throw refused({ code: 'grant_voided', message: 'This grant is already voided.' });
  if (status === 'expired')
    throw refused({
      code: 'grant_expired',
      message: 'This grant has expired; nothing of it can change.',
    });
  // Allocated credits follow the period, and an amendment is corrected by another amendment.
  if (!GRANT_KINDS.some((kind) => kind === block.kind)) {
    throw refused({
      code: 'not_a_grant',
      message:
        block.kind === 'amendment'
          ? 'An amendment is corrected by another amendment, not voided.'
          : 'Allocated credits follow the period; change them with PUT .../credits instead.',
    });
  }
  return { desk, block };
}

/** Voids a grant: its unspent remainder leaves the organization; what was spent stays spent. */
export async function voidGrant(trx: Tx, partnerId: string, input: VoidGrantInput, now: Date) {
  const { desk, block } = await lockGrant(trx, input, partnerId, now);
  await setRemaining(trx, [{ id: block.id, remaining: 0 }], { voided_at: now });
  if (block.remaining > 0) {
    const portions = [{ blockId: block.id, amount: block.remaining }];
    await postTransfers(
      trx,
      await release(trx, desk, portions, 'void', desk.books.organization.void, input.reason, now),
      now,
    );
  }
  const row = { ...block, remaining: 0, voided_at: now };
  await emitEvent(trx, {
    partnerId,
    organizationId: input.organizationId,
    type: 'credits.voided',
    data: {
      organizationId: input.organizationId,
      grantId: block.id,
      creditType: desk.creditType,
      amount: block.remaining,
      reason: input.reason,
    },
  });
  return { grant: toGrant(row, desk.creditType, now) };
}

/** Moves a grant's expiry (or removes it); the change and its reason are kept. */
export async function setGrantExpiry(
  trx: Tx,
  partnerId: string,
  input: SetGrantExpiryInput,
  now: Date,
) {
  const { desk, block } = await lockGrant(trx, input, partnerId, now);
  const expiresAt = orRefuse(
    checkExpiry(
      input.expiresAt === null ? null : new Date(input.expiresAt),
      block.effective_at,
      now,
    ),
  );
  const row = await trx
    .updateTable('blocks')
    .set({ expires_at: expiresAt })
    .where('id', '=', block.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('block_expiry_changes')
    .values({
      block_id: block.id,
      previous_expires_at: block.expires_at,
      expires_at: expiresAt,
      reason: input.reason,
      created_at: now,
    })
    .execute();
  return { grant: toGrant(row, desk.creditType, now) };
}

/**
 * A correction of consumption. Positive: consumed credits come back (at most what was ever
 * consumed), as a block that lapses with the period. Negative: credits are charged as if
 * consumed, in burn order; past zero only in usage_based mode (as overage).
 */
export async function createAmendment(
  trx: Tx,
  partnerId: string,
  input: CreateAmendmentInput,
  now: Date,
) {
  const creditType = input.creditType ?? DEFAULT_CREDIT_TYPE;
  const desk = await openDesk(trx, partnerId, input.organizationId, creditType, now);
  orRefuse(checkReceivesCredits(desk.org.status));
  const { books, org } = desk;
  if (input.amount > 0) {
    const consumed = books.organization.consumption.balance;
    if (input.amount > consumed) {
      throw refused({
        code: 'amendment_exceeds_consumption',
        message: `The organization has consumed ${consumed} ${creditType} credits in all; an amendment gives back at most that.`,
      });
    }
    await refuseOverCap(trx, desk, input.amount, now);
    const [row] = await insertBlocks(
      trx,
      [
        {
          accountId: books.organization.organization.id,
          kind: 'amendment',
          amount: input.amount,
          effectiveAt: org.period_start,
          expiresAt: org.period_end,
          reason: input.reason,
        },
      ],
      now,
    );
    await postTransfers(
      trx,
      [
        {
          from: books.organization.consumption.id,
          to: books.organization.organization.id,
          amount: input.amount,
          type: 'amendment',
          toBlock: row!.id,
          reason: input.reason,
        },
      ],
      now,
    );
    await trx
      .updateTable('accounts')
      .set({ period_consumed: sql`greatest(period_consumed - ${input.amount}, 0)` })
      .where('id', '=', books.organization.organization.id)
      .execute();
  } else {
    const outcome = await burn(trx, {
      organizationId: org.id,
      creditType,
      amount: -input.amount,
      idempotencyKey: null,
      reference: null,
      entryType: 'amendment',
      reason: input.reason,
      now,
    });
    if (outcome.outcome !== 'consumed') {
      throw refused({
        code: 'insufficient_credits',
        message: `The organization has ${outcome.available} ${creditType} credits available; an amendment cannot take its balance below zero.`,
      });
    }
  }
  const [balance] = await readBalances(trx, org.id, now, creditType);
  return {
    amendment: {
      creditType,
      amount: input.amount,
      reason: input.reason,
      createdAt: now.toISOString(),
    },
    balance: balance!,
  };
}

export const listGrants = renewsFirst(async function listGrants(
  trx: Tx | Db,
  partnerId: string,
  input: ListGrantsInput,
  now: Date,
) {
  await requireOrganization(trx, partnerId, input.organizationId);
  let query = trx
    .selectFrom('blocks')
    .innerJoin('accounts', 'accounts.id', 'blocks.account_id')
    .where('accounts.organization_id', '=', input.organizationId)
    .where('accounts.kind', '=', 'organization');
  if (input.creditType) query = query.where('accounts.credit_type', '=', input.creditType);
  if (input.status) query = query.where(grantStatusSql(now), '=', input.status);
  const [rows, count] = await Promise.all([
    query
      .selectAll('blocks')
      .select('accounts.credit_type')
      .orderBy('blocks.created_at', 'desc')
      .orderBy('blocks.id', 'desc')
      .limit(input.pageSize)
      .offset(pageOffset(input))
      .execute(),
    query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return {
    grants: rows.map((row) => toGrant(row, row.credit_type, now)),
    ...pageFields(input, count.total),
  };
});

/** Balances per credit type; reading one costs the same with 10 entries or 10 million. */
export async function readBalances(
  db: Tx | Db,
  organizationId: string,
  now: Date,
  creditType?: string,
): Promise<Balance[]> {
  const soon = new Date(now.getTime() + EXPIRING_SOON_DAYS * 86_400_000);
  let query = db
    .selectFrom('accounts as a')
    .select((eb) => [
      'a.credit_type',
      'a.period_credited',
      'a.period_consumed',
      'a.period_overage',
      'a.period_shortfall',
      eb
        .selectFrom('blocks')
        .select(sql<number>`coalesce(sum(remaining), 0)::bigint`.as('v'))
        .whereRef('blocks.account_id', '=', 'a.id')
        .where(spendable(now))
        .as('available'),
      eb
        .selectFrom('blocks')
        .select(sql<number>`coalesce(sum(remaining), 0)::bigint`.as('v'))
        .whereRef('blocks.account_id', '=', 'a.id')
        .where(spendable(now))
        .where('blocks.expires_at', '<=', soon)
        .as('expiring_soon'),
      eb
        .selectFrom('blocks')
        .select(sql<Date | null>`min(expires_at)`.as('v'))
        .whereRef('blocks.account_id', '=', 'a.id')
        .where(spendable(now))
        .as('next_expiry'),
    ])
    .where('a.organization_id', '=', organizationId)
    .where('a.kind', '=', 'organization');
  if (creditType) query = query.where('a.credit_type', '=', creditType);
  const rows = await query.orderBy('a.credit_type').execute();
  return rows.map((row) => ({
    creditType: row.credit_type,
    available: Number(row.available ?? 0),
    used: row.period_consumed,
    allocated: row.period_credited,
    expiringSoon: Number(row.expiring_soon ?? 0),
    overage: row.period_overage,
    nextExpiry: row.next_expiry ? new Date(row.next_expiry).toISOString() : null,
    renewalShortfall: row.period_shortfall,
  }));
}

export const getBalances = renewsFirst(async function getBalances(
  db: Tx | Db,
  partnerId: string,
  organizationId: string,
  now: Date,
) {
  await requireOrganization(db, partnerId, organizationId);
  return { balances: await readBalances(db, organizationId, now) };
});
