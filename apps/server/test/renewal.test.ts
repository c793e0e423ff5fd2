import { services } from '@allot/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { ORGS } from './paths.ts';

let now = new Date('2030-01-10T12:00:00.000Z');
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ now: () => now });
});
afterAll(() => server.close());

const before = (iso: string) => new Date(new Date(iso).getTime() - 1);

async function get(apiKey: string, path: string) {
  const response = await server.request('GET', path, { apiKey });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

/** Entries written for an organization's accounts, or in all. */
const entryCount = async (organizationId?: string) => {
  let query = server.db.selectFrom('entries').select((eb) => eb.fn.countAll<string>().as('n'));
  if (organizationId) query = query.where('organization_id', '=', organizationId);
  return Number((await query.executeTakeFirstOrThrow()).n);
};

/**
 * Period starts written out by hand (not computed with the code under test), for an
 * organization created on 2030-01-10 and followed for a year.
 */
const cases = [
  {
    period: 'monthly',
    day: 1,
    starts: [
      '2030-02-01',
      '2030-03-01',
      '2030-04-01',
      '2030-05-01',
      '2030-06-01',
      '2030-07-01',
      '2030-08-01',
      '2030-09-01',
      '2030-10-01',
      '2030-11-01',
      '2030-12-01',
      '2031-01-01',
    ],
  },
  {
    period: 'monthly',
    day: 28,
    starts: [
      '2030-01-28',
      '2030-02-28',
      '2030-03-28',
      '2030-04-28',
      '2030-05-28',
      '2030-06-28',
      '2030-07-28',
      '2030-08-28',
      '2030-09-28',
      '2030-10-28',
      '2030-11-28',
      '2030-12-28',
    ],
  },
  { period: 'quarterly', day: 1, starts: ['2030-04-01', '2030-07-01', '2030-10-01', '2031-01-01'] },
  {
    period: 'quarterly',
    day: 28,
    starts: ['2030-01-28', '2030-04-28', '2030-07-28', '2030-10-28'],
  },
  { period: 'annually', day: 1, starts: ['2031-01-01'] },
  { period: 'annually', day: 28, starts: ['2030-01-28', '2031-01-28'] },
] as const;

describe('organization periods across a year (external billing, allowance 100)', () => {
  it.each(cases)(
    '$period on day $day: each period starts with the allowance; nothing rolls over',
    async ({ period, day, starts }) => {
      now = new Date('2030-01-10T12:00:00.000Z');
      const { apiKey } = await server.createPartner({ billingMode: 'external' });
      const created = await server.request('POST', ORGS, {
        apiKey,
        body: {
          name: `${period} ${day}`,
          tier: 'paid',
          initialCredits: 100,
          creditAllowance: 100,
          billingPeriod: period,
          billingDayOfMonth: day,
        },
      });
      expect(created.status).toBe(201);
      const id = created.body.organization.id as string;
      const balance = async () => (await get(apiKey, `${ORGS}/${id}/credits`)).balances[0];

      const organizationNow = async () => (await get(apiKey, `${ORGS}/${id}`)).organization;
      for (const [index, start] of starts.entries()) {
        const boundary = new Date(`${start}T00:00:00.000Z`);
        // The last millisecond of the period: spend some, the period is still the old one.
        now = before(boundary.toISOString());
        const spent = await services.consumeCredits(
          server.db,
          { organizationId: id, amount: 7 },
          now,
        );
        expect(spent.granted).toBe(true);
        expect(await balance()).toMatchObject({ available: 93, used: 7, allocated: 100 });
        expect((await get(apiKey, `${ORGS}/${id}`)).organization.currentPeriod.end).toBe(
          boundary.toISOString(),
        );

        // The first instant of the next: the 93 left expired, the allowance came back. Each of
        // the two reads renews by itself: they take turns at coming first.
        now = boundary;
        const reads =
          index % 2 === 0
            ? { organization: await organizationNow(), renewed: await balance() }
            : { renewed: await balance(), organization: await organizationNow() };
        expect(reads.renewed).toMatchObject({ available: 100, used: 0, allocated: 100 });
        const { organization } = reads;
        expect(organization.currentPeriod.start).toBe(boundary.toISOString());
        expect(organization).toMatchObject({ credits: 100, creditsUsed: 0, creditsRemaining: 100 });

        // Renewing again for the same instant changes nothing (other partners' periods, due
        // at this instant too, are renewed by the first call).
        const written = await entryCount(id);
        await services.renewDuePeriods(server.db, now);
        await services.expireDueCredits(server.db, now);
        expect(await services.renewDuePeriods(server.db, now)).toBe(0);
        expect(await services.expireDueCredits(server.db, now)).toBe(0);
        expect(await entryCount(id)).toBe(written);
      }

      const ledger = await get(apiKey, `${ORGS}/${id}/credits/ledger?limit=500`);
      const ofType = (type: string) =>
        ledger.entries
          .filter((e: { type: string }) => e.type === type)
          .map((e: { amount: number }) => e.amount);
      expect(ofType('expiration')).toEqual(starts.map(() => -93));
      expect(ofType('renewal')).toEqual(starts.map(() => 100));
    },
  );
});

describe('pool periods (credit_pool)', () => {
  it('the pool refills each month; its remainder and each allowance expire; a short pool is recorded', async () => {
    now = new Date('2030-01-10T12:00:00.000Z');
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const big = await server.request('POST', ORGS, {
      apiKey,
      body: { name: 'Big', tier: 'paid', initialCredits: 600, creditAllowance: 600 },
    });
    const small = await server.request('POST', ORGS, {
      apiKey,
      body: { name: 'Small', tier: 'paid', initialCredits: 300, creditAllowance: 500 },
    });
    const [bigId, smallId]: [string, string] = [
      big.body.organization.id,
      small.body.organization.id,
    ];
    expect(await get(apiKey, '/partner/billing')).toMatchObject({
      creditPoolTotal: 1000,
      creditsAllocated: 900,
    });

    now = new Date('2030-02-01T00:00:00.000Z');
    // Renewed in id order: the first-created takes its 600, the other gets the 400 left.
    const billing = await get(apiKey, '/partner/billing');
    expect(billing).toMatchObject({
      creditPoolTotal: 1000,
      creditsAllocated: 1000,
      creditsUnallocated: 0,
      currentPeriod: { start: '2030-02-01T00:00:00.000Z' },
    });
    const [first, second] = bigId < smallId ? [bigId, smallId] : [smallId, bigId];
    const allowance = (id: string) => (id === bigId ? 600 : 500);
    const firstBalance = (await get(apiKey, `${ORGS}/${first}/credits`)).balances[0];
    const secondBalance = (await get(apiKey, `${ORGS}/${second}/credits`)).balances[0];
    expect(firstBalance).toMatchObject({ available: allowance(first), renewalShortfall: 0 });
    expect(secondBalance).toMatchObject({
      available: 1000 - allowance(first),
      renewalShortfall: allowance(second) - (1000 - allowance(first)),
    });
    const renewal = (await get(apiKey, `${ORGS}/${second}/credits/ledger?type=renewal`)).entries;
    expect(renewal[0].reason).toContain('the pool had');

    const poolLedger = await get(apiKey, '/partner/credits/ledger?limit=500');
    const poolEntries = poolLedger.entries.filter((e: { account: string }) => e.account === 'pool');
    expect(poolEntries.map((e: { type: string; amount: number }) => [e.type, e.amount])).toEqual([
      ['renewal', 1000],
      ['allocation', -600],
      ['allocation', -300],
      ['expiration', -100],
      ['renewal', 1000],
      ['renewal', -allowance(first)],
      ['renewal', -(1000 - allowance(first))],
    ]);
  });

  it('a scheduler renewal ahead of traffic and the lazy one agree, and neither runs twice', async () => {
    now = new Date('2030-01-10T12:00:00.000Z');
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const created = await server.request('POST', ORGS, {
      apiKey,
      body: { name: 'Ahead', tier: 'paid', initialCredits: 200, creditAllowance: 200 },
    });
    const id = created.body.organization.id as string;
    now = new Date('2030-02-01T00:00:00.000Z');
    expect(await services.renewDuePeriods(server.db, now)).toBeGreaterThanOrEqual(1);
    const written = await entryCount();
    expect(await services.renewDuePeriods(server.db, now)).toBe(0);
    expect((await get(apiKey, `${ORGS}/${id}/credits/ledger?type=renewal`)).entries).toHaveLength(
      1,
    );
    expect(await get(apiKey, `${ORGS}/${id}/credits`)).toMatchObject({
      balances: [expect.objectContaining({ available: 200, used: 0 })],
    });
    expect(await entryCount()).toBe(written);
  });
});

describe('the expiry sweep', () => {
  it('writes the expiration of lapsed grants once; balances never waited for it', async () => {
    now = new Date('2030-01-10T12:00:00.000Z');
    const { apiKey } = await server.createPartner({ billingMode: 'external' });
    const created = await server.request('POST', ORGS, {
      apiKey,
      body: { name: 'Sweep', tier: 'paid' },
    });
    const id = created.body.organization.id as string;
    const granted = await server.request('POST', `${ORGS}/${id}/credits/grants`, {
      apiKey,
      body: { amount: 40, expiresAt: '2030-01-12T00:00:00Z', reason: 'trial' },
    });
    expect(granted.status).toBe(201);
    now = new Date('2030-01-12T00:00:00.000Z');
    expect((await get(apiKey, `${ORGS}/${id}/credits`)).balances[0].available).toBe(0);
    expect(await services.expireDueCredits(server.db, now)).toBeGreaterThanOrEqual(1);
    expect(await services.expireDueCredits(server.db, now)).toBe(0);
    const entries = (await get(apiKey, `${ORGS}/${id}/credits/ledger?type=expiration`)).entries;
    expect(entries).toEqual([
      expect.objectContaining({ amount: -40, balanceAfter: 0, grantId: granted.body.grant.id }),
    ]);
    const [grant] = (await get(apiKey, `${ORGS}/${id}/credits/grants`)).grants;
    expect(grant).toMatchObject({ status: 'expired', remaining: 0 });
  });
});
