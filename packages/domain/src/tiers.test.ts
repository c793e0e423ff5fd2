import { describe, expect, it } from 'vitest';
import type { RuleResult } from './common.ts';
import {
  TIERS,
  TRIAL_CREDIT_CAP,
  checkTierChange,
  creditCap,
  tierSchema,
  type Tier,
} from './tiers.ts';

const outcome = <T>(result: RuleResult<T>) =>
  result.ok
    ? { ok: true as const, value: result.value }
    : { ok: false as const, code: result.violation.code };

describe('creditCap', () => {
  it('caps trial organizations at 500 and leaves paid ones uncapped', () => {
    expect(TRIAL_CREDIT_CAP).toBe(500);
    expect(creditCap('trial')).toBe(500);
    expect(creditCap('paid')).toBeNull();
  });
});

describe('checkTierChange', () => {
  it.each([
    { tier: 'trial', allocated: 0, expected: { ok: true, value: 'trial' } },
    { tier: 'trial', allocated: 499, expected: { ok: true, value: 'trial' } },
    { tier: 'trial', allocated: 500, expected: { ok: true, value: 'trial' } },
    { tier: 'trial', allocated: 501, expected: { ok: false, code: 'trial_cap_exceeded' } },
    { tier: 'trial', allocated: 1_000_000, expected: { ok: false, code: 'trial_cap_exceeded' } },
    { tier: 'paid', allocated: 0, expected: { ok: true, value: 'paid' } },
    { tier: 'paid', allocated: 501, expected: { ok: true, value: 'paid' } },
    { tier: 'paid', allocated: 1_000_000_000_000, expected: { ok: true, value: 'paid' } },
  ] satisfies { tier: Tier; allocated: number; expected: ReturnType<typeof outcome> }[])(
    'to $tier with $allocated allocated',
    ({ tier, allocated, expected }) => {
      expect(outcome(checkTierChange(tier, allocated))).toEqual(expected);
    },
  );

  it('tells how many credits the organization holds and what the cap is', () => {
    const result = checkTierChange('trial', 742);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.violation.message).toContain('742');
      expect(result.violation.message).toContain('500');
    }
  });
});

describe('tierSchema', () => {
  it.each(TIERS)('accepts %s', (tier) => {
    expect(tierSchema.parse(tier)).toBe(tier);
  });

  it.each(['free', 'Trial', 'PAID', ''])('rejects %j', (tier) => {
    expect(tierSchema.safeParse(tier).success).toBe(false);
  });
});
