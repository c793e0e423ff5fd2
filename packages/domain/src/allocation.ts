import { drawsFromPool, type BillingMode } from './billing-modes.ts';
import { ok, refuse, type RuleResult } from './common.ts';
import type { OrganizationStatus } from './organizations.ts';
import { creditCap, type Tier } from './tiers.ts';

export interface AllocationState {
  mode: BillingMode;
  tier: Tier;
  status: OrganizationStatus;
  /** The organization's allocation for its current period. */
  allocated: number;
  /** What the organization consumed of it this period. */
  consumed: number;
  /** The partner pool's current period: its total and what is drawn from it. */
  pool: { total: number; allocated: number };
}

/**
 * Setting an organization's allocation to `target`: the rules of the credit guide.
 * Returns how many credits move from the pool to the organization (negative: back to the pool).
 */
export function planAllocation(state: AllocationState, target: number): RuleResult<number> {
  if (state.status === 'canceled') {
    return refuse(
      'organization_canceled',
      'A canceled organization cannot receive credits; enable it first.',
    );
  }
  const cap = creditCap(state.tier);
  if (cap !== null && target > cap) {
    return refuse(
      'trial_cap_exceeded',
      `A trial organization can hold at most ${cap} credits; upgrade it to paid for more.`,
    );
  }
  if (target < state.consumed) {
    return refuse(
      'below_consumed',
      `The organization has already consumed ${state.consumed} credits this period; its allocation cannot go below that.`,
    );
  }
  const delta = target - state.allocated;
  // Only a raise draws from the pool; a lowering always goes through.
  if (drawsFromPool(state.mode) && delta > 0) {
    const available = state.pool.total - state.pool.allocated;
    if (delta > available) {
      return refuse(
        'insufficient_pool_credits',
        `The credit pool has ${available} unallocated credits; this change needs ${delta}.`,
      );
    }
  }
  return ok(delta);
}

/** Lowering the partner's pool: never below what is already drawn from it. */
export function checkPoolTotal(newTotal: number, allocated: number): RuleResult<number> {
  if (newTotal < allocated) {
    return refuse(
      'pool_below_allocated',
      `${allocated} credits of this period's pool are already allocated; the pool cannot go below that.`,
    );
  }
  return ok(newTotal);
}

/**
 * A new organization period re-grants its allowance. In `credit_pool` mode it comes from
 * what the pool has left, and a trial organization's grant fits the room its cap leaves beside
 * the credits it still holds; so it may be cut short, and the caller records why.
 */
export function renewalGrant(
  mode: BillingMode,
  allowance: number,
  poolLeft: number,
  capRoom = Infinity,
): number {
  const fromPool = drawsFromPool(mode) ? Math.min(allowance, poolLeft) : allowance;
  return Math.max(0, Math.min(fromPool, capRoom));
}

/** How many more credits a tier lets an organization holding `held` unexpired credits take. */
export function capRoom(tier: Tier, held: number): number {
  const cap = creditCap(tier);
  return cap === null ? Infinity : Math.max(0, cap - held);
}
