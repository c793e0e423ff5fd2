import { sql } from 'kysely';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { ORGS } from './paths.ts';
import { expectBooksBalance } from './books.ts';

/**
 * `ledger_consume_units` burns a batch of one-credit charges over several organizations in one
 * posting where it can; it must leave the books exactly as one `ledger_consume` per key, in
 * order, does. Each of two organizations has a twin with the same grants; the batch burns the
 * pair together, the twins the same keys one call at a time; then everything each wrote is
 * compared with its twin's.
 */
const START = new Date('2030-03-15T12:00:00.000Z');
const at = (ms: number) => new Date(START.getTime() + ms);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ now: () => START });
});
afterAll(() => server.close());

interface Grant {
  amount: number;
  priority: number;
  /** Milliseconds after START: a burn in the batch may come before or after. */
  effectiveIn: number;
  expiresIn: number | null;
}

interface Burn {
  /** Which of the case's two organizations it charges. */
  org: 0 | 1;
  key: string;
  reference: string;
  atMs: number;
}

const grantArb: fc.Arbitrary<Grant> = fc
  .record({
    amount: fc.integer({ min: 1, max: 6 }),
    priority: fc.constantFrom(10, 10, 20),
    // Times inside the batch's span, so that a block takes effect or expires between its burns.
    effectiveIn: fc.constantFrom(0, 0, 0, 3, 6),
    expiresIn: fc.constantFrom(null, null, 2, 4, 6, 8, 20),
  })
  .filter((g) => g.expiresIn === null || g.expiresIn > g.effectiveIn);

const burnsArb: fc.Arbitrary<Burn[]> = fc.array(
  fc.record({
    org: fc.constantFrom<0 | 1>(0, 1),
    key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'),
    reference: fc.constantFrom('r1', 'r2'),
    atMs: fc.integer({ min: 0, max: 10 }),
  }),
  { minLength: 1, maxLength: 14 },
);

const organizationArb = fc.record({
  grants: fc.array(grantArb, { minLength: 0, maxLength: 4 }),
  /** Keys charged before the batch: the batch replays them. */
  earlier: fc.subarray(['a', 'b'], { maxLength: 2 }),
  suspended: fc.boolean(),
});

const caseArb = fc.record({
  billingMode: fc.constantFrom('credit_pool', 'usage_based'),
  organizations: fc.tuple(organizationArb, organizationArb),
  burns: burnsArb,
});

type Organization = typeof organizationArb extends fc.Arbitrary<infer T> ? T : never;

/** An organization with the case's grants and earlier charges; its id. */
async function organization(apiKey: string, c: Organization) {
  const created = await server.ok('POST', ORGS, apiKey, { name: 'Client', tier: 'paid' });
  const id = created.organization.id as string;
  for (const g of c.grants)
    await server.ok('POST', `${ORGS}/${id}/credits/grants`, apiKey, {
      amount: g.amount,
      priority: g.priority,
      effectiveAt: at(g.effectiveIn).toISOString(),
      expiresAt: g.expiresIn === null ? null : at(g.expiresIn).toISOString(),
      reason: 'test',
    });
  for (const key of c.earlier)
    await server.request('POST', `${ORGS}/${id}/credits/consumptions`, {
      apiKey,
      body: { amount: 1 },
      headers: { 'idempotency-key': key },
    });
  if (c.suspended) await server.ok('PUT', `${ORGS}/${id}/status`, apiKey, { enabled: false });
  return id;
}

async function burnTogether(ids: string[], burns: Burn[]) {
  const { rows } = await sql<Record<string, unknown>>`
    SELECT outcome, charged, overage, available FROM ledger_consume_units(
      ${burns.map((b) => ids[b.org])}::uuid[], 'identification', ${burns.map((b) => b.key)}::text[],
      ${burns.map((b) => b.reference)}::text[], ${burns.map((b) => at(b.atMs))}::timestamptz[])
    ORDER BY ord`.execute(server.db);
  return rows;
}

async function burnOneByOne(ids: string[], burns: Burn[]) {
  return server.db.transaction().execute(async (trx) => {
    const rows: Record<string, unknown>[] = [];
    for (const b of burns) {
      const {
        rows: [row],
      } = await sql<Record<string, unknown>>`
        SELECT outcome, charged, overage, available FROM ledger_consume(${ids[b.org]}::uuid,
          'identification', 1, ${b.key}, ${b.reference}, 'decrement', NULL,
          ${at(b.atMs)}::timestamptz)`.execute(trx);
      rows.push(row ?? {});
    }
    return rows;
  });
}

/** What a burn writes for an organization, with its own ids replaced by their order. */
async function books(id: string) {
  const blocks = await sql<{ id: string; remaining: string }>`
    SELECT b.id, b.remaining FROM blocks b JOIN accounts a ON a.id = b.account_id
    WHERE a.organization_id = ${id}
    -- In the order granted: the sequence of the entry that funded each.
    ORDER BY (SELECT min(e.sequence) FROM entries e
      WHERE e.block_id = b.id AND e.account_id = b.account_id)`.execute(server.db);
  const blockIndex = new Map(blocks.rows.map((b, i) => [b.id, i]));
  const entries = await sql<Record<string, unknown>>`
    SELECT e.account_kind, e.type, e.amount, e.balance_after, e.sequence, e.block_id,
      e.reference, e.created_at
    FROM entries e WHERE e.organization_id = ${id} ORDER BY e.account_kind, e.sequence`.execute(
    server.db,
  );
  const accounts = await sql<Record<string, unknown>>`
    SELECT kind, balance, sequence, period_consumed, period_overage, depleted FROM accounts
    WHERE organization_id = ${id} ORDER BY kind`.execute(server.db);
  const consumptions = await sql<Record<string, unknown>>`
    SELECT idempotency_key, amount, overage, reference, created_at FROM consumptions
    WHERE organization_id = ${id} ORDER BY idempotency_key`.execute(server.db);
  const events = await sql<Record<string, unknown>>`
    -- Not previousBalance: for an account without alerts, the one-by-one transaction reports the
    -- balance before its burn that reached zero, the batch the balance before the transaction.
    SELECT type, data - 'organizationId' - 'previousBalance' AS data FROM events
    WHERE organization_id = ${id} AND type LIKE 'credit_balance.%'
    ORDER BY id`.execute(server.db);
  return {
    blocks: blocks.rows.map((b) => b.remaining),
    entries: entries.rows.map((e) => ({
      ...e,
      block_id: e.block_id === null ? null : blockIndex.get(e.block_id as string),
    })),
    accounts: accounts.rows,
    consumptions: consumptions.rows,
    events: events.rows,
  };
}

describe('ledger_consume_units', () => {
  it('writes what one ledger_consume per key, in order, writes: outcomes, blocks, entries, counters, claims, alerts', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const { apiKey } = await server.createPartner({
          billingMode: c.billingMode,
          poolCredits: 1000,
        });
        const together: string[] = [];
        const oneByOne: string[] = [];
        for (const o of c.organizations) {
          together.push(await organization(apiKey, o));
          oneByOne.push(await organization(apiKey, o));
        }
        const outcomes = await burnTogether(together, c.burns);
        expect(outcomes).toEqual(await burnOneByOne(oneByOne, c.burns));
        for (const [i, id] of together.entries())
          expect(await books(id)).toEqual(await books(oneByOne[i] ?? ''));
      }),
      { numRuns: 100 },
    );
    await expectBooksBalance(server.db);
  }, 120_000);

  it('burns a batch over several organizations, each with its own outcomes, in one call', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const rich = (
      await server.ok('POST', ORGS, apiKey, { name: 'Rich', tier: 'paid', initialCredits: 5 })
    ).organization.id as string;
    const poor = (
      await server.ok('POST', ORGS, apiKey, { name: 'Poor', tier: 'paid', initialCredits: 1 })
    ).organization.id as string;
    const { rows } = await sql<{ outcome: string }>`
      SELECT outcome FROM ledger_consume_units(
        ${[poor, rich, poor, rich, rich]}::uuid[], 'identification',
        ${['p1', 'r1', 'p2', 'r2', 'r1']}::text[], ${['x', 'x', 'x', 'x', 'x']}::text[],
        ${[START, START, START, START, START]}::timestamptz[])
      ORDER BY ord`.execute(server.db);
    expect(rows.map((r) => r.outcome)).toEqual([
      'consumed',
      'consumed',
      'insufficient_credits',
      'consumed',
      'replayed',
    ]);
    const balances = await sql<{ organization_id: string; balance: string }>`
      SELECT organization_id, balance FROM accounts
      WHERE organization_id IN (${rich}, ${poor}) AND kind = 'organization'`.execute(server.db);
    expect(
      Object.fromEntries(balances.rows.map((r) => [r.organization_id, Number(r.balance)])),
    ).toEqual({ [rich]: 3, [poor]: 0 });
    await expectBooksBalance(server.db);
  });
});
