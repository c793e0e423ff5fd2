import { describe, expect, it } from 'vitest';
import { defined, type BillingMode } from '@allot/domain';
import { LedgerModel, type NewGrant } from './ledger-model.ts';

const START = new Date('2027-03-10T12:00:00.000Z');
const HOUR = 3_600_000;
const at = (ms: number) => new Date(START.getTime() + ms);

function model(mode: BillingMode = 'credit_pool', poolCredits = 10_000) {
  const m = new LedgerModel({ mode, poolCredits, now: START });
  const org = m.addOrganization({ id: 'org-a', tier: 'paid' });
  if (!org.ok) throw new Error(org.violation.code);
  return m;
}

function grant(m: LedgerModel, input: NewGrant): string {
  const result = m.createGrant('org-a', input);
  if (!result.ok) throw new Error(result.violation.code);
  return result.value.id;
}

const blockOf = (m: LedgerModel, id: string) =>
  defined(
    m.blocks.find((b) => b.id === id),
    `block ${id}`,
  );

const remainders = (m: LedgerModel, ids: string[]) =>
  ids.map((id) => m.grantView(blockOf(m, id)).remaining);

describe('burn order', () => {
  // Each case grants the blocks in the order listed, consumes, and lists what each has left.
  // prettier-ignore
  it.each([
    { name: 'lower priority burns first', grants: [{ amount: 10, priority: 50 }, { amount: 10, priority: 10 }], consume: 15, left: [5, 0] },
    { name: 'same priority: sooner expiry first', grants: [{ amount: 10, expiresAt: at(48 * HOUR) }, { amount: 10, expiresAt: at(24 * HOUR) }], consume: 12, left: [8, 0] },
    { name: 'no expiry burns last', grants: [{ amount: 10 }, { amount: 10, expiresAt: at(500 * HOUR) }], consume: 10, left: [10, 0] },
    { name: 'priority beats expiry', grants: [{ amount: 10, priority: 60, expiresAt: at(HOUR) }, { amount: 10, priority: 40 }], consume: 10, left: [10, 0] },
    { name: 'a tie burns the older block first', grants: [{ amount: 10 }, { amount: 10 }], consume: 13, left: [0, 7] },
    { name: 'pending blocks are not spent', grants: [{ amount: 10, priority: 0, effectiveAt: at(HOUR) }, { amount: 10 }], consume: 4, left: [10, 6] },
    { name: 'all or nothing outside usage_based', grants: [{ amount: 10 }, { amount: 5, priority: 0 }], consume: 16, left: [10, 5] },
  ])('$name', ({ grants, consume, left }) => {
    const m = model();
    const ids = grants.map((g) => grant(m, g));
    m.consume('org-a', consume);
    expect(remainders(m, ids)).toEqual(left);
    m.checkInvariants();
  });

  it('usage_based: the rest past zero is overage, entered as issued and consumed at once', () => {
    const m = model('usage_based', 0);
    grant(m, { amount: 5 });
    expect(m.consume('org-a', 8)).toEqual({
      granted: true,
      reason: null,
      charged: 5,
      overage: 3,
      replayed: false,
    });
    const entries = m
      .accountOf('org-a', 'organization')
      .entries.map((e) => [e.type, e.amount, e.balanceAfter]);
    expect(entries).toEqual([
      ['increment', 5, 5],
      ['decrement', -5, 0],
      ['overage', 3, 3],
      ['decrement', -3, 0],
    ]);
    expect(m.balanceOf('org-a')).toMatchObject({ available: 0, used: 8, overage: 3 });
    m.checkInvariants();
  });
});

describe('expiry at the exact millisecond', () => {
  const EXPIRY = at(2 * HOUR);
  // prettier-ignore
  it.each([
    { name: '1 ms before', clock: EXPIRY.getTime() - 1, available: 10, status: 'active', voidCode: null },
    { name: 'at the instant', clock: EXPIRY.getTime(), available: 0, status: 'expired', voidCode: 'grant_expired' },
    { name: '1 ms after', clock: EXPIRY.getTime() + 1, available: 0, status: 'expired', voidCode: 'grant_expired' },
  ])('$name', ({ clock, available, status, voidCode }) => {
    const m = model('external', 0);
    const id = grant(m, { amount: 10, expiresAt: EXPIRY });
    m.advanceTo(new Date(clock));
    expect(m.balanceOf('org-a').available).toBe(available);
    expect(m.grantView(blockOf(m, id))).toMatchObject({ status, remaining: available });
    expect(m.consume('org-a', 1).granted).toBe(available > 0);
    const voided = m.voidGrant('org-a', id);
    expect(voided.ok ? null : voided.violation.code).toBe(voidCode);
  });

  it('the expiration entry is written at the renewal, not at the instant', () => {
    const m = model('external', 0);
    grant(m, { amount: 10, expiresAt: at(HOUR) });
    m.advanceTo(at(HOUR));
    expect(m.accountOf('org-a', 'organization').balance).toBe(10);
    m.advanceTo(new Date('2027-04-01T00:00:00.000Z'));
    expect(m.accountOf('org-a', 'organization').entries.at(-1)).toMatchObject({
      type: 'expiration',
      amount: -10,
      balanceAfter: 0,
    });
    expect(m.accountOf('org-a', 'expiry').balance).toBe(10);
  });
});

describe('void returns the remainder to the pool as far as this pool period lent it', () => {
  // prettier-ignore
  it.each([
    { name: 'unspent: all back to the pool', mode: 'credit_pool', consumed: 0, nextPeriod: false, poolAfter: 1000, voidSink: 0 },
    { name: 'partly spent: the rest back', mode: 'credit_pool', consumed: 120, nextPeriod: false, poolAfter: 880, voidSink: 0 },
    { name: 'from an earlier pool period: to the void sink', mode: 'credit_pool', consumed: 0, nextPeriod: true, poolAfter: 1000, voidSink: 300 },
    { name: 'no pool outside credit_pool: to the void sink', mode: 'external', consumed: 20, nextPeriod: false, poolAfter: 0, voidSink: 280 },
  ] as const)('$name', ({ mode, consumed, nextPeriod, poolAfter, voidSink }) => {
    const m = model(mode, 1000);
    const id = grant(m, { amount: 300 });
    if (mode === 'credit_pool') expect(m.pool()).toEqual({ total: 1000, available: 700, allocated: 300 });
    if (consumed > 0) m.consume('org-a', consumed);
    if (nextPeriod) m.advanceTo(new Date('2027-04-01T00:00:00.000Z'));
    expect(m.voidGrant('org-a', id).ok).toBe(true);
    expect(m.pool().available).toBe(poolAfter);
    expect(m.accountOf('org-a', 'void').balance).toBe(voidSink);
    expect(m.balanceOf('org-a').available).toBe(0);
    expect(m.voidGrant('org-a', id)).toMatchObject({ ok: false, violation: { code: 'grant_voided' } });
    m.checkInvariants();
  });

  it('a later pool period lends to another organization: that much comes back', () => {
    const m = model('credit_pool', 1000);
    m.addOrganization({ id: 'org-b', tier: 'paid' });
    const id = grant(m, { amount: 300 });
    m.advanceTo(new Date('2027-04-01T00:00:00.000Z'));
    expect(m.createGrant('org-b', { amount: 100 }).ok).toBe(true);
    m.voidGrant('org-a', id);
    expect(m.pool().available).toBe(1000);
    expect(m.accountOf('org-a', 'void').balance).toBe(200);
    expect(
      m
        .accountOf('org-a', 'organization')
        .entries.slice(-2)
        .map((e) => e.amount),
    ).toEqual([-100, -200]);
    expect(m.accountOf(null, 'pool').entries.at(-1)).toMatchObject({ type: 'void', amount: 100 });
  });
});

describe('renewal', () => {
  it('refreshes the pool, then re-grants allowances in id order as far as the pool reaches', () => {
    const m = new LedgerModel({ mode: 'credit_pool', poolCredits: 500, now: START });
    m.addOrganization({ id: 'org-b', tier: 'paid', creditAllowance: 300 });
    m.addOrganization({ id: 'org-a', tier: 'paid', creditAllowance: 300 });
    m.advanceTo(new Date('2027-04-01T00:00:00.000Z'));
    expect(m.balanceOf('org-a')).toMatchObject({
      available: 300,
      allocated: 300,
      renewalShortfall: 0,
    });
    expect(m.balanceOf('org-b')).toMatchObject({
      available: 200,
      allocated: 200,
      renewalShortfall: 100,
    });
    expect(m.pool()).toEqual({ total: 500, available: 0, allocated: 500 });
    expect(m.accountOf(null, 'issuance').balance).toBe(-1000);
    expect(m.accountOf(null, 'expiry').balance).toBe(500);
    m.checkInvariants();
  });

  it('lowering an allocation takes back the block that would burn last and returns it', () => {
    const m = model('credit_pool', 1000);
    expect(m.setAllocation('org-a', 400)).toEqual({ ok: true, value: 400 });
    m.consume('org-a', 150);
    expect(m.setAllocation('org-a', 149)).toMatchObject({
      ok: false,
      violation: { code: 'below_consumed' },
    });
    expect(m.setAllocation('org-a', 150)).toEqual({ ok: true, value: -250 });
    expect(m.balanceOf('org-a')).toMatchObject({ available: 0, allocated: 150, used: 150 });
    expect(m.pool().available).toBe(850);
    expect(m.accountOf(null, 'pool').entries.at(-1)).toMatchObject({
      type: 'reclaim',
      amount: 250,
    });
  });
});
