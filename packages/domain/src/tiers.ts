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

/** Whether an organization holding `allocated` credits may move to `tier`. */
export function checkTierChange(tier: Tier, allocated: number): RuleResult<Tier> {
  const cap = creditCap(tier);
  if (cap !== null && allocated > cap) {
    return refuse(
      'trial_cap_exceeded',
      `A trial organization holds at most ${cap} credits; this one has ${allocated} allocated. Lower its credits first.`,
    );
  }
  return ok(tier);
}
