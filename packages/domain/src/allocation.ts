import { drawsFromPool, type BillingMode } from './billing-modes.ts';
import { ok, refuse, type RuleResult } from './common.ts';
import { checkReceivesCredits, type OrganizationStatus } from './organizations.ts';
import { checkTrialCap, type Tier } from './tiers.ts';

export interface AllocationState {
  mode: BillingMode;
  tier: Tier;
  status: OrganizationStatus;
  /** The organization's allocation for its current period. */
  allocated: number;
  /** What the organization consumed of it this period. */
  consumed: number;
  /** Its credits neither spent, voided nor expired (see `Holdings`): the trial cap counts them. */
  unexpired: number;
  /** The partner pool's current period: its total and what is drawn from it. */
  pool: { total: number; allocated: number };
}

/**
 * Setting an organization's allocation to `target`: the rules of the credit guide.
 * Returns how many credits move from the pool to the organization (negative: back to the pool).
 */
export function planAllocation(state: AllocationState, target: number): RuleResult<number> {
  const receives = checkReceivesCredits(state.status);
  if (!receives.ok) return receives;
  const delta = target - state.allocated;
  // Only a raise can pass the cap: each credit it adds is allocated and held.
  if (delta > 0) {
    const capped = checkTrialCap(state.tier, {
      allocated: target,
      unexpired: state.unexpired + delta,
    });
    if (!capped.ok) return capped;
  }
  if (target < state.consumed) {
    return refuse(
      'below_consumed',
      `The organization has already consumed ${state.consumed} credits this period; its allocation cannot go below that.`,
    );
  }
  // Only a raise draws from the pool; a lowering always goes through.
  if (drawsFromPool(state.mode) && delta > 0) {
    const drawn = checkPoolRoom(state.pool.total - state.pool.allocated, delta);
    if (!drawn.ok) return drawn;
  }
  return ok(delta);
}

/** Drawing `amount` credits from a pool that has `available` left: never more than that. */
export function checkPoolRoom(available: number, amount: number): RuleResult<number> {
  if (amount > available) {
    return refuse(
      'insufficient_pool_credits',
      `The credit pool has ${available} unallocated credits; this needs ${amount}.`,
    );
  }
  return ok(amount);
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
 * what the pool has left, and a trial organization's grant fits its `trialRoom`; so it may be cut short, and the caller records why.
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
