import { describe, expect, it } from 'vitest';
import {
  checkPoolRoom,
  checkPoolTotal,
  planAllocation,
  renewalGrant,
  type AllocationState,
} from './allocation.ts';
import { BILLING_MODES, drawsFromPool, type BillingMode } from './billing-modes.ts';
import { MAX_CREDITS, type RuleResult } from './common.ts';
import { checkReceivesCredits, type OrganizationStatus } from './organizations.ts';
import { TRIAL_CREDIT_CAP, trialRoom } from './tiers.ts';

const state = (overrides: Partial<AllocationState> = {}): AllocationState => ({
  mode: 'credit_pool',
  tier: 'paid',
  status: 'active',
  allocated: 0,
  consumed: 0,
  unexpired: 0,
  pool: { total: 10_000, allocated: 0 },
  ...overrides,
});

/** The outcome in one comparable shape: the value, or the violation's code. */
const outcome = <T>(result: RuleResult<T>) =>
  result.ok
    ? { ok: true as const, value: result.value }
    : { ok: false as const, code: result.violation.code };

const message = <T>(result: RuleResult<T>): string => {
  if (result.ok) throw new Error('expected a refusal');
  return result.violation.message;
};

describe('planAllocation', () => {
  // prettier-ignore
  it.each([
    // trial cap
    { name: 'trial: exactly the cap', s: state({ tier: 'trial' }), target: 500, expected: { ok: true, value: 500 } },
    { name: 'trial: one above the cap', s: state({ tier: 'trial' }), target: 501, expected: { ok: false, code: 'trial_cap_exceeded' } },
    { name: 'trial: cap applies in external mode', s: state({ tier: 'trial', mode: 'external' }), target: 501, expected: { ok: false, code: 'trial_cap_exceeded' } },
    { name: 'trial: cap applies in usage_based mode', s: state({ tier: 'trial', mode: 'usage_based' }), target: 501, expected: { ok: false, code: 'trial_cap_exceeded' } },
    { name: 'trial: cap is checked before the pool', s: state({ tier: 'trial', pool: { total: 0, allocated: 0 } }), target: 501, expected: { ok: false, code: 'trial_cap_exceeded' } },
    { name: 'trial: raising within the cap', s: state({ tier: 'trial', allocated: 200, consumed: 150 }), target: 500, expected: { ok: true, value: 300 } },
    { name: 'trial: grants held leave the raise less room', s: state({ tier: 'trial', allocated: 200, unexpired: 400 }), target: 300, expected: { ok: true, value: 100 } },
    { name: 'trial: one past the room grants leave', s: state({ tier: 'trial', allocated: 200, unexpired: 400 }), target: 301, expected: { ok: false, code: 'trial_cap_exceeded' } },
    { name: 'trial: held credits over the cap are checked before the pool', s: state({ tier: 'trial', allocated: 0, unexpired: 450, pool: { total: 0, allocated: 0 } }), target: 60, expected: { ok: false, code: 'trial_cap_exceeded' } },
    { name: 'trial: a lowering goes through whatever is held', s: state({ tier: 'trial', allocated: 300, unexpired: 700 }), target: 100, expected: { ok: true, value: -200 } },
    { name: 'paid: held credits do not count', s: state({ tier: 'paid', allocated: 0, unexpired: 10_000 }), target: 600, expected: { ok: true, value: 600 } },
    { name: 'paid: no cap', s: state({ tier: 'paid', pool: { total: MAX_CREDITS, allocated: 0 } }), target: MAX_CREDITS, expected: { ok: true, value: MAX_CREDITS } },
    { name: 'paid: 501 is fine', s: state({ tier: 'paid' }), target: 501, expected: { ok: true, value: 501 } },
    // below consumed
    { name: 'target equal to consumed', s: state({ allocated: 300, consumed: 120 }), target: 120, expected: { ok: true, value: -180 } },
    { name: 'target one below consumed', s: state({ allocated: 300, consumed: 120 }), target: 119, expected: { ok: false, code: 'below_consumed' } },
    { name: 'target zero with nothing consumed', s: state({ allocated: 300, consumed: 0 }), target: 0, expected: { ok: true, value: -300 } },
    { name: 'below consumed in external mode', s: state({ mode: 'external', allocated: 300, consumed: 120 }), target: 100, expected: { ok: false, code: 'below_consumed' } },
    { name: 'below consumed in usage_based mode', s: state({ mode: 'usage_based', allocated: 300, consumed: 120 }), target: 0, expected: { ok: false, code: 'below_consumed' } },
    { name: 'below consumed is checked before the pool', s: state({ allocated: 0, consumed: 50, pool: { total: 0, allocated: 0 } }), target: 10, expected: { ok: false, code: 'below_consumed' } },
    // pool
    { name: 'credit_pool: delta exactly the available credits', s: state({ allocated: 100, pool: { total: 1000, allocated: 600 } }), target: 500, expected: { ok: true, value: 400 } },
    { name: 'credit_pool: delta one over the available credits', s: state({ allocated: 100, pool: { total: 1000, allocated: 600 } }), target: 501, expected: { ok: false, code: 'insufficient_pool_credits' } },
    { name: 'credit_pool: fully drawn pool, no change', s: state({ allocated: 100, pool: { total: 1000, allocated: 1000 } }), target: 100, expected: { ok: true, value: 0 } },
    { name: 'credit_pool: fully drawn pool, lowering', s: state({ allocated: 100, pool: { total: 1000, allocated: 1000 } }), target: 40, expected: { ok: true, value: -60 } },
    { name: 'credit_pool: fully drawn pool, raising by one', s: state({ allocated: 100, pool: { total: 1000, allocated: 1000 } }), target: 101, expected: { ok: false, code: 'insufficient_pool_credits' } },
    { name: 'credit_pool: empty pool', s: state({ pool: { total: 0, allocated: 0 } }), target: 1, expected: { ok: false, code: 'insufficient_pool_credits' } },
    { name: 'external: no pool cap', s: state({ mode: 'external', pool: { total: 0, allocated: 0 } }), target: 1_000_000, expected: { ok: true, value: 1_000_000 } },
    { name: 'usage_based: no pool cap', s: state({ mode: 'usage_based', allocated: 10, pool: { total: 5, allocated: 5 } }), target: 1_000_000, expected: { ok: true, value: 999_990 } },
    // deltas
    { name: 'raising returns a positive delta', s: state({ allocated: 250 }), target: 400, expected: { ok: true, value: 150 } },
    { name: 'lowering returns a negative delta', s: state({ allocated: 400, consumed: 100 }), target: 250, expected: { ok: true, value: -150 } },
    { name: 'no change returns zero', s: state({ allocated: 400 }), target: 400, expected: { ok: true, value: 0 } },
  ] satisfies { name: string; s: AllocationState; target: number; expected: ReturnType<typeof outcome> }[])(
    '$name',
    ({ s, target, expected }) => {
      expect(outcome(planAllocation(s, target))).toEqual(expected);
    },
  );

  it('explains the trial cap, the consumed floor and the pool shortfall with numbers', () => {
    expect(message(planAllocation(state({ tier: 'trial' }), 501))).toContain(
      String(TRIAL_CREDIT_CAP),
    );
    expect(message(planAllocation(state({ allocated: 300, consumed: 120 }), 50))).toContain('120');
    const shortfall = message(
      planAllocation(state({ allocated: 100, pool: { total: 1000, allocated: 700 } }), 450),
    );
    expect(shortfall).toContain('300'); // available
    expect(shortfall).toContain('350'); // needed
  });

  it('never refuses a lowering to at least the consumed amount when the pool is not overdrawn', () => {
    for (const mode of BILLING_MODES) {
      for (const target of [0, 1, 50, 99]) {
        const result = planAllocation(
          state({ mode, allocated: 100, consumed: 0, pool: { total: 100, allocated: 100 } }),
          target,
        );
        expect(outcome(result)).toEqual({ ok: true, value: target - 100 });
      }
    }
  });
});

describe('checkPoolTotal', () => {
  it.each([
    { newTotal: 1000, allocated: 999, expected: { ok: true, value: 1000 } },
    { newTotal: 1000, allocated: 1000, expected: { ok: true, value: 1000 } },
    { newTotal: 999, allocated: 1000, expected: { ok: false, code: 'pool_below_allocated' } },
    { newTotal: 0, allocated: 0, expected: { ok: true, value: 0 } },
    { newTotal: 0, allocated: 1, expected: { ok: false, code: 'pool_below_allocated' } },
    { newTotal: MAX_CREDITS, allocated: 0, expected: { ok: true, value: MAX_CREDITS } },
  ])('new total $newTotal with $allocated allocated', ({ newTotal, allocated, expected }) => {
    expect(outcome(checkPoolTotal(newTotal, allocated))).toEqual(expected);
  });

  it('names the allocated amount when refusing', () => {
    expect(message(checkPoolTotal(10, 4321))).toContain('4321');
  });
});

describe('renewalGrant', () => {
  it.each([
    // credit_pool: capped by what the pool has left, never negative
    { mode: 'credit_pool', allowance: 500, poolLeft: 1000, expected: 500 },
    { mode: 'credit_pool', allowance: 500, poolLeft: 500, expected: 500 },
    { mode: 'credit_pool', allowance: 500, poolLeft: 499, expected: 499 },
    { mode: 'credit_pool', allowance: 500, poolLeft: 0, expected: 0 },
    { mode: 'credit_pool', allowance: 500, poolLeft: -20, expected: 0 },
    { mode: 'credit_pool', allowance: 0, poolLeft: 1000, expected: 0 },
    // other modes: uncapped
    { mode: 'external', allowance: 500, poolLeft: 0, expected: 500 },
    { mode: 'external', allowance: 500, poolLeft: -20, expected: 500 },
    { mode: 'usage_based', allowance: 500, poolLeft: 10, expected: 500 },
    { mode: 'usage_based', allowance: MAX_CREDITS, poolLeft: 0, expected: MAX_CREDITS },
  ] satisfies { mode: BillingMode; allowance: number; poolLeft: number; expected: number }[])(
    '$mode: allowance $allowance, pool left $poolLeft -> $expected',
    ({ mode, allowance, poolLeft, expected }) => {
      expect(renewalGrant(mode, allowance, poolLeft)).toBe(expected);
    },
  );
});

describe('drawsFromPool', () => {
  it.each([
    ['credit_pool', true],
    ['external', false],
    ['usage_based', false],
  ] as const)('%s -> %s', (mode, expected) => {
    expect(drawsFromPool(mode)).toBe(expected);
  });
});

describe('planAllocation on a pool that is already over-drawn', () => {
  it('still lets an organization be lowered (a lowering only ever returns credits)', () => {
    const overdrawn = state({ allocated: 100, pool: { total: 100, allocated: 150 } });
    expect(outcome(planAllocation(overdrawn, 90))).toEqual({ ok: true, value: -10 });
    expect(outcome(planAllocation(overdrawn, 101))).toEqual({
      ok: false,
      code: 'insufficient_pool_credits',
    });
  });
});

describe('planAllocation for an organization that is not active', () => {
  it('refuses any allocation to a canceled organization, even a lowering', () => {
    expect(outcome(planAllocation(state({ status: 'canceled', allocated: 10 }), 20))).toEqual({
      ok: false,
      code: 'organization_canceled',
    });
    expect(outcome(planAllocation(state({ status: 'canceled', allocated: 10 }), 0))).toEqual({
      ok: false,
      code: 'organization_canceled',
    });
  });

  it('lets a suspended organization be allocated (it keeps its credits while disabled)', () => {
    expect(outcome(planAllocation(state({ status: 'suspended' }), 20))).toEqual({
      ok: true,
      value: 20,
    });
  });
});

describe('renewalGrant with the trial cap', () => {
  // prettier-ignore
  it.each([
    { name: 'paid: no cap', mode: 'external', allowance: 500, poolLeft: 0, room: trialRoom('paid', { allocated: 0, unexpired: 300 }), expected: 500 },
    { name: 'trial: room beside held grants', mode: 'external', allowance: 500, poolLeft: 0, room: trialRoom('trial', { allocated: 0, unexpired: 300 }), expected: 200 },
    { name: 'trial: nothing held', mode: 'credit_pool', allowance: 500, poolLeft: 1000, room: trialRoom('trial', { allocated: 0, unexpired: 0 }), expected: 500 },
    { name: 'trial: the pool is the tighter limit', mode: 'credit_pool', allowance: 500, poolLeft: 100, room: trialRoom('trial', { allocated: 0, unexpired: 300 }), expected: 100 },
    { name: 'trial: already at the cap', mode: 'usage_based', allowance: 500, poolLeft: 0, room: trialRoom('trial', { allocated: 0, unexpired: 500 }), expected: 0 },
    { name: 'trial: over the cap (held from before)', mode: 'usage_based', allowance: 500, poolLeft: 0, room: trialRoom('trial', { allocated: 0, unexpired: 700 }), expected: 0 },
  ] as const)('$name', ({ mode, allowance, poolLeft, room, expected }) => {
    expect(renewalGrant(mode, allowance, poolLeft, room)).toBe(expected);
  });
});

describe('checkPoolRoom', () => {
  // prettier-ignore
  it.each([
    { available: 0, amount: 0, expected: { ok: true, value: 0 } },
    { available: 100, amount: 100, expected: { ok: true, value: 100 } },
    { available: 100, amount: 101, expected: { ok: false, code: 'insufficient_pool_credits' } },
    { available: 0, amount: 1, expected: { ok: false, code: 'insufficient_pool_credits' } },
  ] satisfies { available: number; amount: number; expected: ReturnType<typeof outcome> }[])(
    '$amount from $available',
    ({ available, amount, expected }) => {
      expect(outcome(checkPoolRoom(available, amount))).toEqual(expected);
    },
  );

  it('is the one message for the pool, a raise and a grant alike', () => {
    const pool = { total: 1000, allocated: 700 };
    expect(message(planAllocation(state({ allocated: 100, pool }), 450))).toBe(
      message(checkPoolRoom(300, 350)),
    );
    expect(message(checkPoolRoom(300, 350))).toBe(
      'The credit pool has 300 unallocated credits; this needs 350.',
    );
  });
});

describe('checkReceivesCredits', () => {
  it.each([
    { status: 'active', expected: { ok: true, value: 'active' } },
    { status: 'suspended', expected: { ok: true, value: 'suspended' } },
    { status: 'canceled', expected: { ok: false, code: 'organization_canceled' } },
  ] satisfies { status: OrganizationStatus; expected: ReturnType<typeof outcome> }[])(
    '$status',
    ({ status, expected }) => {
      expect(outcome(checkReceivesCredits(status))).toEqual(expected);
    },
  );
});
