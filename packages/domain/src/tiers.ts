import { z } from 'zod';
import { ok, refuse, type RuleResult } from './common.ts';

export const TIERS = ['trial', 'paid'] as const;
export type Tier = (typeof TIERS)[number];
export const tierSchema = z.enum(TIERS);

/** A trial organization never holds more than this many credits in a period. */
export const TRIAL_CREDIT_CAP = 500;

export function creditCap(tier: Tier): number | null {
  return tier === 'trial' ? TRIAL_CREDIT_CAP : null;
}

/**
 * What an organization holds, as the trial cap counts it. Read once per organization by the
 * services' `readHoldings` (and the model's `holdings`); every cap decision starts from it.
 */
export interface Holdings {
  /** Its allocation for the current period, what of it was consumed included. */
  allocated: number;
  /** Its credits neither spent, voided nor expired: spendable and pending alike. */
  unexpired: number;
}

/**
 * The trial cap, the one place it is written: a trial organization's allocation and its unexpired
 * credits each stay within it. Called with the holdings a change would leave (a raise, a grant,
 * an amendment, moving to the tier); credits already spent no longer count.
 */
export function checkTrialCap(tier: Tier, after: Holdings): RuleResult<Holdings> {
  const cap = creditCap(tier);
  const held = Math.max(after.allocated, after.unexpired);
  if (cap !== null && held > cap) {
    return refuse(
      'trial_cap_exceeded',
      `A trial organization holds at most ${cap} credits; this would leave it ${held}. Upgrade it to paid for more.`,
    );
  }
  return ok(after);
}

/**
 * How many credits a raise of the allocation (a renewal's grant among them) may still add: each
 * adds to both the allocation and the unexpired credits, so `checkTrialCap` passes exactly up
 * to this room.
 */
export function trialRoom(tier: Tier, held: Holdings): number {
  const cap = creditCap(tier);
  return cap === null ? Infinity : Math.max(0, cap - Math.max(held.allocated, held.unexpired));
}

/**
 * Whether `tier` allows an allowance of `allowance` credits: the allowance is the allocation each
 * new period starts with, so it fits the cap as an allocation does.
 */
export function checkTierChange(tier: Tier, allowance: number): RuleResult<Tier> {
  const fits = checkTrialCap(tier, { allocated: allowance, unexpired: 0 });
  return fits.ok ? ok(tier) : fits;
}
