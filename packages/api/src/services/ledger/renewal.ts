import { sql, type ExpressionBuilder } from 'kysely';
import {
  inTransaction,
  type Database,
  type Db,
  type OrganizationRow,
  type PartnerRow,
  type Tx,
} from '@allot/db';
import {
  DEFAULT_CREDIT_TYPE,
  drawsFromPool,
  periodContaining,
  renewalGrant,
  trialRoom,
  type BillingCycle,
} from '@allot/domain';
import { emitEvents } from '../events.ts';
import { openAccounts } from './accounts.ts';
import { drawFrom, insertBlocks, spendableBlocks } from './blocks.ts';
import { expireBlocks } from './expiry.ts';
import { readHoldings } from './holdings.ts';
import {
  lockAccounts,
  lockPartnerBooks,
  lockPartnerRow,
  withPartner,
  type PartnerLock,
} from './locks.ts';
import { resizePool } from './pool.ts';
import { postTransfers, type Transfer } from './post.ts';

/** The billing cycle of a partner or an organization row: both carry the same three columns. */
export const cycleOf = (
  row: Pick<PartnerRow, 'billing_period' | 'billing_day_of_month' | 'billing_anchor'>,
): BillingCycle => ({
  period: row.billing_period,
  dayOfMonth: row.billing_day_of_month,
  anchor: row.billing_anchor,
});

/** Organizations renewed per round: bounds the arrays one round sends to PostgreSQL. */
const RENEWAL_CHUNK = 5_000;

/**
 * Locks a partner's row (the first lock of every ledger write) and renews whatever period has
 * ended by `now`: first the pool, then each organization whose period ended. Every
 * credit-changing write starts here, so renewal never waits for a scheduler, and the row lock
 * orders concurrent writes of one partner. Running it again for the same `now` finds nothing
 * due and changes nothing.
 */
export async function renewAndLockPartner(
  trx: Tx,
  partnerId: string,
  now: Date,
): Promise<PartnerLock> {
  let lock = await lockPartnerRow(trx, partnerId);
  if (lock.partner.pool_period_end.getTime() <= now.getTime())
    lock = withPartner(lock, await refreshPool(lock, now));

  const due = await trx
    .selectFrom('organizations')
    .selectAll()
    .where('partner_id', '=', partnerId)
    .where('period_end', '<=', now)
    .orderBy('id')
    .forUpdate()
    .execute();
  for (let i = 0; i < due.length; i += RENEWAL_CHUNK)
    await renewOrganizations(lock, due.slice(i, i + RENEWAL_CHUNK), now);
  return lock;
}

/** A new pool period: the old remainder expires and the pool refills to `pool_credits`. */
async function refreshPool(lock: PartnerLock, now: Date): Promise<PartnerRow> {
  const { partner } = lock;
  const period = periodContaining(now, cycleOf(partner));
  const books = await lockPartnerBooks(lock, DEFAULT_CREDIT_TYPE);
  const total = drawsFromPool(partner.billing_mode) ? partner.pool_credits : 0;
  const expired = await expireBlocks(books, [books.accounts.pool.id], now);
  // The new period's pool starts from nothing: what was left of the last one just expired.
  const refill = await resizePool(
    books,
    { current: 0, total, period, reason: 'Pool refreshed for the period' },
    'renewal',
    now,
  );
  await postTransfers(books, [...expired, ...refill], now);
  return lock.trx
    .updateTable('partners')
    .set({ pool_period_start: period.start, pool_period_end: period.end, updated_at: now })
    .where('id', '=', partner.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * New periods for organizations, set-based: their expired credits (the previous allowance
 * among them) expire, and each active organization is granted its allowance again, from the
 * pool in `credit_pool` mode as far as the pool reaches (in id order); a shortfall is recorded
 * on the account and in the renewal's reason. Nothing rolls over.
 */
async function renewOrganizations(
  lock: PartnerLock,
  due: OrganizationRow[],
  now: Date,
): Promise<void> {
  const { trx, partner } = lock;
  const ids = due.map((org) => org.id);
  await openAccounts(trx, partner.id, ids, DEFAULT_CREDIT_TYPE);
  const locked = await lockAccounts(lock, ids, null);
  const { accounts } = locked;
  // Keyed by owner and kind, in the default credit type: looked up once per organization.
  const byOwner = new Map(
    accounts
      .filter((a) => a.credit_type === DEFAULT_CREDIT_TYPE)
      .map((a) => [`${a.organization_id ?? ''}/${a.kind}`, a]),
  );
  const find = (organizationId: string | null, kind: string) => {
    const account = byOwner.get(`${organizationId ?? ''}/${kind}`);
    if (!account)
      throw new Error(`account ${kind} of ${organizationId ?? 'the partner'} is missing`);
    return account;
  };
  const organizationAccounts = accounts.filter(
    (a) => a.organization_id !== null && a.kind === 'organization',
  );
  const transfers: Transfer[] = await expireBlocks(
    locked,
    organizationAccounts.map((a) => a.id),
    now,
  );

  const pooled = drawsFromPool(partner.billing_mode);
  const pool = find(null, 'pool');
  const poolBlocks = pooled ? await spendableBlocks(locked, pool.id, now) : [];
  let poolLeft = poolBlocks.reduce((sum, b) => sum + b.remaining, 0);
  // What each trial organization still holds after this renewal's expirations; the others'
  // room is unbounded and not read.
  const trials = due.filter((org) => org.tier === 'trial' && org.status === 'active');
  const held = await readHoldings(
    trx,
    trials.map((org) => find(org.id, 'organization')),
    now,
  );
  const renewals = due.map((org) => {
    const period = periodContaining(now, cycleOf(org));
    // Suspended and canceled organizations start the period empty: nothing is drawn for them.
    if (org.status !== 'active') return { org, period, grant: 0, shortfall: 0, reason: null };
    const holdings = held.get(find(org.id, 'organization').id);
    // The new period's allocation is this grant: nothing of it is allocated yet.
    const room = holdings ? trialRoom(org.tier, { ...holdings, allocated: 0 }) : Infinity;
    const grant = renewalGrant(partner.billing_mode, org.credit_allowance, poolLeft, room);
    const cause = grant === room ? 'the trial cap' : 'what the pool had left';
    if (pooled) poolLeft -= grant;
    const shortfall = org.credit_allowance - grant;
    return {
      org,
      period,
      grant,
      shortfall,
      reason:
        shortfall > 0
          ? `Allowance of ${org.credit_allowance}, cut to ${grant} by ${cause}`
          : 'Allowance for the period',
    };
  });
  const granted = renewals.filter((r) => r.grant > 0);
  const blocks = await insertBlocks(
    locked,
    granted.map((r) => ({
      accountId: find(r.org.id, 'organization').id,
      kind: 'renewal' as const,
      amount: r.grant,
      effectiveAt: r.period.start,
      expiresAt: r.period.end,
      reason: r.reason,
    })),
    now,
  );
  const draws = pooled
    ? await drawFrom(
        locked,
        poolBlocks,
        granted.map((r) => r.grant),
      )
    : granted.map((r) => [{ blockId: null, amount: r.grant }]);
  granted.forEach((r, i) => {
    const [block, portions] = [blocks[i], draws[i]];
    if (!block || !portions) throw new Error('a renewal grant lost its block');
    for (const portion of portions) {
      transfers.push({
        from: pooled ? pool.id : find(null, 'issuance').id,
        to: find(r.org.id, 'organization').id,
        amount: portion.amount,
        type: 'renewal',
        fromBlock: portion.blockId,
        toBlock: block.id,
        reason: block.reason,
      });
    }
  });
  await postTransfers(locked, transfers, now);

  // Every account of these organizations starts its period's counters afresh.
  const credited = new Map(renewals.map((r) => [find(r.org.id, 'organization').id, r]));
  const resets = accounts.filter((a) => a.organization_id !== null);
  await sql`
    UPDATE accounts a SET period_credited = v.credited, period_consumed = 0, period_overage = 0,
      period_shortfall = v.shortfall
    FROM unnest(${resets.map((a) => a.id)}::uuid[], ${resets.map((a) => credited.get(a.id)?.grant ?? 0)}::bigint[],
      ${resets.map((a) => credited.get(a.id)?.shortfall ?? 0)}::bigint[]) AS v(id, credited, shortfall)
    WHERE a.id = v.id`.execute(trx);
  await sql`
    UPDATE organizations o SET period_start = v.period_start, period_end = v.period_end,
      charge_period_start = v.period_start,
      updated_at = ${now}
    FROM unnest(${renewals.map((r) => r.org.id)}::uuid[],
      ${renewals.map((r) => r.period.start)}::timestamptz[],
      ${renewals.map((r) => r.period.end)}::timestamptz[]) AS v(id, period_start, period_end)
    WHERE o.id = v.id`.execute(trx);
  await emitEvents(
    trx,
    renewals.map((r) => ({
      partnerId: partner.id,
      organizationId: r.org.id,
      type: 'billing_period.renewed' as const,
      data: {
        organizationId: r.org.id,
        periodStart: r.period.start.toISOString(),
        periodEnd: r.period.end.toISOString(),
        allowance: r.org.credit_allowance,
        granted: r.grant,
      },
    })),
  );
}

/**
 * Before a read: renews the partner's periods if any has ended, without taking a lock when
 * none has (the common case costs one indexed query).
 */
export async function refreshPeriods(db: Db | Tx, partnerId: string, now: Date): Promise<void> {
  const row = await db
    .selectFrom('partners')
    .select((eb) => periodEnded(eb, now).as('due'))
    .where('id', '=', partnerId)
    .executeTakeFirst();
  if (row?.due) await inTransaction(db, (trx) => renewAndLockPartner(trx, partnerId, now));
}

/** Whether a partner's pool period, or any of its organizations' periods, has ended by `now`. */
export function periodEnded(eb: ExpressionBuilder<Database, 'partners'>, now: Date) {
  return eb.or([
    eb('partners.pool_period_end', '<=', now),
    eb.exists(
      eb
        .selectFrom('organizations')
        .select(sql`1`.as('one'))
        .whereRef('organizations.partner_id', '=', 'partners.id')
        .where('organizations.period_end', '<=', now),
    ),
  ]);
}
