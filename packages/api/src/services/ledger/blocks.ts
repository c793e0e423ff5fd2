import { sql, type Expression } from 'kysely';
import type { BlockRow } from '@allot/db';
import type { BlockKind } from '@allot/domain';
import { DEFAULT_PRIORITY, grantStatus, type Grant, type GrantStatus } from '@allot/domain';
import { newId } from '../../ids.ts';
import type { AccountsLock } from './locks.ts';

/**
 * Spendable at `now`, as a filter on `blocks`: the database's `ledger_spendable`, the one
 * definition (inlined by the planner, so the live-blocks index still serves it).
 */
export const spendable = (now: Date) => sql<boolean>`ledger_spendable(blocks, ${now}::timestamptz)`;

/** Lapsed at `now` (expired, not yet written down), as a filter on `blocks`: `ledger_lapsed`. */
export const lapsed = (now: Date) => sql<boolean>`ledger_lapsed(blocks, ${now}::timestamptz)`;

/**
 * What an account (a column, `sql.ref('a.id')`, or an id, `sql.val(id)`) can spend at `now`:
 * the sum over its spendable blocks, 0 when it has none.
 */
export const spendableRemaining = (account: Expression<string>, now: Date) =>
  sql<number>`(SELECT coalesce(sum(remaining), 0)::bigint
    FROM spendable_blocks(${account}::uuid, ${now}::timestamptz))`;

/** Spendable blocks of a locked account in burn order: the database's `spendable_blocks`. */
export function spendableBlocks(lock: AccountsLock, accountId: string, now: Date) {
  return sql<BlockRow>`SELECT * FROM spendable_blocks(${accountId}::uuid, ${now}::timestamptz)`
    .execute(lock.trx)
    .then((result) => result.rows);
}

/** A part of a block's credits, taken by a draw; `null`: issued, from an account without blocks. */
export interface Portion {
  blockId: string | null;
  amount: number;
}

/** A portion taken from a block. */
export type Drawn = Portion & { blockId: string };

/**
 * Splits demands over blocks taken in the order given: the portions each demand takes. The
 * caller checked that the blocks hold enough for all of them.
 */
export function splitDraw(
  blocks: readonly Pick<BlockRow, 'id' | 'remaining'>[],
  demands: readonly number[],
): Drawn[][] {
  const left = blocks.map((b) => ({ id: b.id, remaining: b.remaining }));
  let i = 0;
  return demands.map((demand) => {
    const portions: Drawn[] = [];
    let wanted = demand;
    while (wanted > 0) {
      const block = left[i];
      if (!block) throw new Error('the blocks hold fewer credits than the draw needs');
      const take = Math.min(block.remaining, wanted);
      if (take > 0) portions.push({ blockId: block.id, amount: take });
      block.remaining -= take;
      wanted -= take;
      if (block.remaining === 0) i += 1;
    }
    return portions;
  });
}

/** Takes the demands from the blocks (see splitDraw) and writes the blocks' new remainders. */
export async function drawFrom(
  lock: AccountsLock,
  blocks: readonly Pick<BlockRow, 'id' | 'remaining'>[],
  demands: readonly number[],
): Promise<Drawn[][]> {
  const drawn = splitDraw(blocks, demands);
  const taken = new Map<string, number>();
  for (const portion of drawn.flat())
    taken.set(portion.blockId, (taken.get(portion.blockId) ?? 0) + portion.amount);
  await setRemaining(
    lock,
    blocks.flatMap((b) => {
      const take = taken.get(b.id);
      return take === undefined ? [] : [{ id: b.id, remaining: b.remaining - take }];
    }),
  );
  return drawn;
}

/** Writes new remainders, set-based. */
export async function setRemaining(
  lock: AccountsLock,
  changes: readonly { id: string; remaining: number }[],
  extra: { expired_at?: Date; voided_at?: Date } = {},
): Promise<void> {
  if (changes.length === 0) return;
  await sql`
    UPDATE blocks b SET remaining = c.remaining,
      expired_at = coalesce(${extra.expired_at ?? null}::timestamptz, b.expired_at),
      voided_at = coalesce(${extra.voided_at ?? null}::timestamptz, b.voided_at)
    FROM unnest(${changes.map((c) => c.id)}::uuid[], ${changes.map((c) => c.remaining)}::bigint[])
      AS c(id, remaining)
    WHERE b.id = c.id`.execute(lock.trx);
}

export interface NewBlock {
  accountId: string;
  kind: BlockKind;
  amount: number;
  priority?: number;
  effectiveAt: Date;
  expiresAt: Date | null;
  costBasis?: string | null;
  reason?: string | null;
}

/** Inserts blocks, set-based, and returns their ids in order. */
export async function insertBlocks(
  lock: AccountsLock,
  blocks: readonly NewBlock[],
  now: Date,
): Promise<BlockRow[]> {
  if (blocks.length === 0) return [];
  const rows = blocks.map((b) => ({
    id: newId(),
    account_id: b.accountId,
    kind: b.kind,
    amount: b.amount,
    remaining: b.amount,
    priority: b.priority ?? DEFAULT_PRIORITY,
    effective_at: b.effectiveAt,
    expires_at: b.expiresAt,
    cost_basis: b.costBasis ?? null,
    reason: b.reason ?? null,
    voided_at: null,
    expired_at: null,
    created_at: now,
  }));
  for (let i = 0; i < rows.length; i += 5_000) {
    await lock.trx
      .insertInto('blocks')
      .values(rows.slice(i, i + 5_000))
      .execute();
  }
  return rows.map((row) => ({ ...row, spent: false }));
}

/**
 * A block's status at `now` in SQL, so a list can filter and page in the database: the same
 * cases in the same order as `grantStatus` in domain (the grants tests compare the two).
 */
export const grantStatusSql = (now: Date) =>
  sql<GrantStatus>`CASE
    WHEN blocks.voided_at IS NOT NULL THEN 'voided'
    WHEN blocks.expired_at IS NOT NULL THEN 'expired'
    WHEN blocks.remaining = 0 THEN 'depleted'
    WHEN blocks.expires_at IS NOT NULL AND blocks.expires_at <= ${now} THEN 'expired'
    WHEN blocks.effective_at > ${now} THEN 'pending'
    ELSE 'active'
  END`;

export function toGrant(row: BlockRow, creditType: string, now: Date): Grant {
  const status = grantStatus(
    {
      remaining: row.remaining,
      effectiveAt: row.effective_at,
      expiresAt: row.expires_at,
      voidedAt: row.voided_at,
      expiredAt: row.expired_at,
    },
    now,
  );
  return {
    id: row.id,
    creditType,
    amount: row.amount,
    remaining: status === 'expired' || status === 'voided' ? 0 : row.remaining,
    kind: row.kind,
    priority: row.priority,
    costBasis: row.cost_basis === null ? null : normalizeDecimal(row.cost_basis),
    effectiveAt: row.effective_at.toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
    reason: row.reason,
    status,
    createdAt: row.created_at.toISOString(),
  };
}

/** numeric(20, 8) reads back as "0.05000000": answer the shortest exact form, "0.05". */
function normalizeDecimal(value: string): string {
  return value.includes('.') ? value.replace(/\.?0+$/, '') : value;
}
