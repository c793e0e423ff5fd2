import { createTestDatabase, type TestDatabase } from '@allot/db/testing';
import { AppError, type BillingMode, type ErrorCode } from '@allot/domain';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createContextFactory } from './index.ts';
import { createCaller, type Caller } from './root.ts';

// The ledger's rules through tRPC's server-side caller: the procedures, their validation and
// their services on real PostgreSQL, without HTTP, so each case takes milliseconds.

const START = new Date('2026-03-10T12:00:00Z');
const DAY = 86_400_000;
let database: TestDatabase;
let now = START;
let contextFor: ReturnType<typeof createContextFactory>;

beforeAll(async () => {
  database = await createTestDatabase();
  contextFor = createContextFactory({
    db: database.db,
    publicUrl: 'http://localhost',
    operatorToken: 'operator-token',
    clock: () => now,
  });
});
afterAll(async () => {
  await database.drop();
});

const operator = () => createCaller(contextFor({ operatorToken: 'operator-token' }));

/** A new partner in `mode`: the caller acting for it, and its API key. */
async function partnerIn(billingMode: BillingMode, poolCredits = 0) {
  const { apiKey } = await operator().operator.partners.create({
    name: `Partner ${billingMode}`,
    billingMode,
    billingPeriod: 'monthly',
    poolCredits,
  });
  return { partner: createCaller(contextFor({ apiKey })), apiKey };
}

/** The rule code a refused call carries (the AppError behind the TRPCError). */
async function refusal(call: Promise<unknown>): Promise<ErrorCode> {
  const error = await call.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof Error) || !(error.cause instanceof AppError))
    throw new Error(`expected a refusal, got ${String(error)}`);
  return error.cause.code;
}

async function available(partner: Caller, organizationId: string): Promise<number> {
  const { balances } = await partner.credits.balances({ organizationId });
  return balances.find((b) => b.creditType === 'identification')?.available ?? 0;
}

async function newOrganization(partner: Caller, initialCredits = 0) {
  const { organization } = await partner.organizations.create({
    name: 'Client',
    tier: 'paid',
    initialCredits,
  });
  return organization.id;
}

describe('the ledger through the caller', () => {
  // After every case, on what it wrote: each transfer is two legs that sum to zero, and each
  // account's entries are numbered 1..sequence without a gap.
  afterEach(async () => {
    const { rows: unbalanced } = await sql<{ transfer_id: string }>`
      SELECT transfer_id FROM entries GROUP BY transfer_id
      HAVING sum(amount) <> 0 OR count(*) <> 2`.execute(database.db);
    expect(unbalanced).toEqual([]);
    const { rows: gaps } = await sql<{ account_id: string }>`
      SELECT e.account_id FROM entries e JOIN accounts a ON a.id = e.account_id
      GROUP BY e.account_id, a.sequence
      HAVING count(*) <> max(e.sequence) OR max(e.sequence) <> a.sequence`.execute(database.db);
    expect(gaps).toEqual([]);
  });

  it('burns by priority, then the soonest expiry, then the oldest', async () => {
    now = START;
    const { partner } = await partnerIn('external');
    const id = await newOrganization(partner);
    const grant = (amount: number, priority: number, days: number | null) =>
      partner.credits.grants.create({
        organizationId: id,
        amount,
        priority,
        reason: 'test',
        ...(days === null ? {} : { expiresAt: new Date(now.getTime() + days * DAY).toISOString() }),
      });
    const late = await grant(5, 10, 30);
    const soon = await grant(5, 10, 5);
    const never = await grant(5, 10, null);
    const first = await grant(5, 1, 60);
    await partner.credits.consume({ organizationId: id, amount: 12 });
    const { grants } = await partner.credits.grants.list({
      organizationId: id,
      page: 1,
      pageSize: 50,
    });
    const left = new Map(grants.map((g) => [g.id, g.remaining]));
    expect(left.get(first.grant.id)).toBe(0);
    expect(left.get(soon.grant.id)).toBe(0);
    expect(left.get(late.grant.id)).toBe(3);
    expect(left.get(never.grant.id)).toBe(5);
  });

  it('refuses to consume past zero outside usage_based, and charges overage in it', async () => {
    now = START;
    const { partner: external } = await partnerIn('external');
    const held = await newOrganization(external, 3);
    expect(await refusal(external.credits.consume({ organizationId: held, amount: 4 }))).toBe(
      'insufficient_credits',
    );
    expect(await available(external, held)).toBe(3);

    const { partner: usage } = await partnerIn('usage_based');
    const metered = await newOrganization(usage, 3);
    const { consumption } = await usage.credits.consume({ organizationId: metered, amount: 5 });
    expect(consumption).toMatchObject({ charged: 3, overage: 2 });
    const { balances } = await usage.credits.balances({ organizationId: metered });
    expect(balances[0]).toMatchObject({ available: 0, used: 5, overage: 2 });
  });

  it('replays a consumption with its key, and refuses the key with another amount', async () => {
    now = START;
    const { partner: external, apiKey } = await partnerIn('external');
    const withKey = createCaller(contextFor({ apiKey, idempotencyKey: 'consume-once' }));
    const id = await newOrganization(external, 10);
    await withKey.credits.consume({ organizationId: id, amount: 2 });
    const again = await withKey.credits.consume({ organizationId: id, amount: 2 });
    expect(again.consumption.replayed).toBe(true);
    expect(await available(external, id)).toBe(8);
    expect(await refusal(withKey.credits.consume({ organizationId: id, amount: 3 }))).toBe(
      'idempotency_key_reused',
    );
  });

  it('gives a voided grant back to the pool it came from', async () => {
    now = START;
    const { partner } = await partnerIn('credit_pool', 100);
    const id = await newOrganization(partner);
    const { grant } = await partner.credits.grants.create({
      organizationId: id,
      amount: 60,
      reason: 'test',
    });
    expect(
      await refusal(partner.organizations.setCredits({ organizationId: id, credits: 41 })),
    ).toBe('insufficient_pool_credits');
    await partner.credits.grants.void({ organizationId: id, grantId: grant.id, reason: 'undo' });
    await partner.organizations.setCredits({ organizationId: id, credits: 100 });
    expect(await available(partner, id)).toBe(100);
  });

  it('amends consumption both ways, never giving back more than was consumed', async () => {
    now = START;
    const { partner } = await partnerIn('external');
    const id = await newOrganization(partner, 10);
    await partner.credits.consume({ organizationId: id, amount: 4 });
    const back = await partner.credits.amend({ organizationId: id, amount: 3, reason: 'refund' });
    expect(back.balance).toMatchObject({ available: 9, used: 1 });
    expect(
      await refusal(partner.credits.amend({ organizationId: id, amount: 2, reason: 'too much' })),
    ).toBe('amendment_exceeds_consumption');
    const more = await partner.credits.amend({ organizationId: id, amount: -5, reason: 'charge' });
    expect(more.balance).toMatchObject({ available: 4, used: 6 });
  });

  it('renews at the period end, expiring the old allowance, with no scheduler', async () => {
    now = START;
    const { partner } = await partnerIn('external');
    const id = await newOrganization(partner, 50);
    await partner.credits.consume({ organizationId: id, amount: 20 });
    now = new Date('2026-04-02T00:00:00Z');
    const { balances } = await partner.credits.balances({ organizationId: id });
    expect(balances[0]).toMatchObject({ available: 50, used: 0, allocated: 50 });
    // What was left of the old allowance was written down as expired.
    const { rows } = await sql<{ expired: string }>`
      SELECT -sum(amount) AS expired FROM entries
      WHERE organization_id = ${id} AND account_kind = 'organization' AND type = 'expiration'`.execute(
      database.db,
    );
    expect(Number(rows[0]?.expired)).toBe(30);
  });

  it('stops spending a grant at its expiry, before anything writes the expiration down', async () => {
    now = START;
    const { partner } = await partnerIn('external');
    const id = await newOrganization(partner);
    await partner.credits.grants.create({
      organizationId: id,
      amount: 7,
      reason: 'short',
      expiresAt: new Date(START.getTime() + DAY).toISOString(),
    });
    now = new Date(START.getTime() + DAY);
    expect(await available(partner, id)).toBe(0);
    expect(await refusal(partner.credits.consume({ organizationId: id }))).toBe(
      'insufficient_credits',
    );
  });

  it('caps what a trial organization holds', async () => {
    now = START;
    const { partner } = await partnerIn('external');
    const { organization } = await partner.organizations.create({
      name: 'Trial',
      initialCredits: 400,
    });
    expect(
      await refusal(
        partner.credits.grants.create({
          organizationId: organization.id,
          amount: 101,
          reason: 'x',
        }),
      ),
    ).toBe('trial_cap_exceeded');
  });
});
