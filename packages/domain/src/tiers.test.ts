import { describe, expect, it } from 'vitest';
import type { RuleResult } from './common.ts';
import {
  TIERS,
  TRIAL_CREDIT_CAP,
  checkTierChange,
  checkTrialCap,
  creditCap,
  trialRoom,
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

describe('checkTrialCap', () => {
  // prettier-ignore
  it.each([
    { name: 'nothing held', tier: 'trial', after: { allocated: 0, unexpired: 0 }, expected: { ok: true } },
    { name: 'allocation at the cap', tier: 'trial', after: { allocated: 500, unexpired: 500 }, expected: { ok: true } },
    { name: 'allocation past the cap, partly spent', tier: 'trial', after: { allocated: 501, unexpired: 100 }, expected: { ok: false, code: 'trial_cap_exceeded' } },
    { name: 'spent credits no longer count', tier: 'trial', after: { allocated: 400, unexpired: 500 }, expected: { ok: true } },
    { name: 'grants and pending credits past the cap', tier: 'trial', after: { allocated: 100, unexpired: 501 }, expected: { ok: false, code: 'trial_cap_exceeded' } },
    { name: 'paid: no cap', tier: 'paid', after: { allocated: 10_000, unexpired: 20_000 }, expected: { ok: true } },
  ] satisfies { name: string; tier: Tier; after: { allocated: number; unexpired: number }; expected: { ok: boolean; code?: string } }[])(
    '$name',
    ({ tier, after, expected }) => {
      const result = checkTrialCap(tier, after);
      expect(result.ok ? { ok: true } : { ok: false, code: result.violation.code }).toEqual(
        expected,
      );
    },
  );

  it('says what the cap is and what the change would leave', () => {
    const result = checkTrialCap('trial', { allocated: 300, unexpired: 642 });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.violation.message).toMatch(/at most 500 credits.*642/);
  });
});

describe('trialRoom', () => {
  // prettier-ignore
  it.each([
    { tier: 'trial', held: { allocated: 0, unexpired: 0 }, room: 500 },
    { tier: 'trial', held: { allocated: 0, unexpired: 300 }, room: 200 },
    { tier: 'trial', held: { allocated: 400, unexpired: 100 }, room: 100 },
    { tier: 'trial', held: { allocated: 500, unexpired: 0 }, room: 0 },
    { tier: 'trial', held: { allocated: 0, unexpired: 700 }, room: 0 },
    { tier: 'paid', held: { allocated: 0, unexpired: 700 }, room: Infinity },
  ] satisfies { tier: Tier; held: { allocated: number; unexpired: number }; room: number }[])(
    '$tier holding $held.allocated allocated, $held.unexpired unexpired: $room',
    ({ tier, held, room }) => {
      expect(trialRoom(tier, held)).toBe(room);
      // The room is exactly what checkTrialCap lets a raise add: one more is refused.
      if (Number.isFinite(room) && held.allocated <= 500 && held.unexpired <= 500) {
        const after = (n: number) => ({
          allocated: held.allocated + n,
          unexpired: held.unexpired + n,
        });
        expect(checkTrialCap(tier, after(room)).ok).toBe(true);
        expect(checkTrialCap(tier, after(room + 1)).ok).toBe(false);
      }
    },
  );
});

describe('tierSchema', () => {
  it.each(TIERS)('accepts %s', (tier) => {
    expect(tierSchema.parse(tier)).toBe(tier);
  });

  it.each(['free', 'Trial', 'PAID', ''])('rejects %j', (tier) => {
    expect(tierSchema.safeParse(tier).success).toBe(false);
  });
});
