import { randomUUID } from 'node:crypto';
import { services } from '@allot/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { expectError } from './expect-errors.ts';
import { ORGS } from './paths.ts';

/**
 * The server's clock: mid-March 2030 by default. Tests that consume credits in earlier periods
 * set it back first, so their partners and organizations exist (and hold effective credits)
 * before the first consumption; it is put back after each test.
 */
const START = new Date('2030-03-15T12:00:00.000Z');
let now = START;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ now: () => now });
});
afterEach(() => {
  now = START;
});
afterAll(() => server.close());

async function get(apiKey: string, path: string) {
  const response = await server.request('GET', path, { apiKey });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

async function createOrg(apiKey: string, body: Record<string, unknown>) {
  const response = await server.request('POST', ORGS, { apiKey, body });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.organization as { id: string; name: string };
}

/**
 * An identification at `at`: the visitor and the identification row (the event the reports
 * count), and, when it costs anything, the real consumption of `credits` at that instant.
 * Call it in chronological order, after the organization has credits effective at `at`.
 */
async function identify(
  partnerId: string,
  organizationId: string,
  credits: number,
  at: Date | string,
) {
  const when = new Date(at);
  const visitorId = randomUUID();
  await server.db
    .insertInto('visitors')
    .values({
      id: visitorId,
      partner_id: partnerId,
      organization_id: organizationId,
      first_seen_at: when,
      last_seen_at: when,
      client_id: visitorId,
    })
    .execute();
  await server.db
    .insertInto('identifications')
    .values({
      id: randomUUID(),
      partner_id: partnerId,
      organization_id: organizationId,
      visitor_id: visitorId,
      credits,
      identified_at: when,
      period_start: when,
    })
    .execute();
  if (credits === 0) return null;
  return consumeAt(organizationId, credits, when);
}

/** Consumes `amount` credits of the organization at `at`; the consumption must be granted. */
async function consumeAt(organizationId: string, amount: number, at: Date) {
  const result = await services.consumeCredits(server.db, { organizationId, amount }, at);
  expect(result, `consuming ${amount} at ${at.toISOString()}`).toMatchObject({
    granted: true,
    reason: null,
    replayed: false,
  });
  return result;
}

/** Consumes `amount` credits of the organization now, by the server's clock. */
async function consume(organizationId: string, amount: number) {
  return consumeAt(organizationId, amount, now);
}

describe('GET /partner/billing', () => {
  it('reports a credit_pool partner: mode, period and the pool as numbers', async () => {
    const { apiKey } = await server.createPartner({
      billingMode: 'credit_pool',
      billingPeriod: 'monthly',
      poolCredits: 1000,
    });
    expect(await get(apiKey, '/partner/billing')).toEqual({
      billingMode: 'credit_pool',
      billingPeriod: 'monthly',
      billingDayOfMonth: 1,
      currentPeriod: { start: '2030-03-01T00:00:00.000Z', end: '2030-04-01T00:00:00.000Z' },
      creditPoolTotal: 1000,
      creditsAllocated: 0,
      creditsUnallocated: 1000,
      creditsUsed: 0,
      overage: 0,
      creditsRemaining: 1000,
    });

    await createOrg(apiKey, { name: 'Drawn', initialCredits: 300 });
    expect(await get(apiKey, '/partner/billing')).toMatchObject({
      creditPoolTotal: 1000,
      creditsAllocated: 300,
      creditsUnallocated: 700,
    });
  });

  it.each(['external', 'usage_based'] as const)(
    'reports a %s partner with the pool fields null',
    async (billingMode) => {
      const { apiKey } = await server.createPartner({
        billingMode,
        billingPeriod: 'quarterly',
        poolCredits: 0,
      });
      // No pool caps the allocation outside credit_pool mode.
      await createOrg(apiKey, { name: 'Unbounded', tier: 'paid', initialCredits: 5000 });
      expect(await get(apiKey, '/partner/billing')).toEqual({
        billingMode,
        billingPeriod: 'quarterly',
        billingDayOfMonth: 1,
        // Quarterly periods are anchored on the month the partner was onboarded.
        currentPeriod: { start: '2030-03-01T00:00:00.000Z', end: '2030-06-01T00:00:00.000Z' },
        creditPoolTotal: null,
        creditsAllocated: null,
        creditsUnallocated: null,
        creditsUsed: 0,
        overage: 0,
        creditsRemaining: null,
      });
    },
  );

  it('bounds the current period on the billing day and answers annual periods as annually', async () => {
    const monthly = await server.createPartner({ billingPeriod: 'monthly', billingDayOfMonth: 20 });
    expect((await get(monthly.apiKey, '/partner/billing')).currentPeriod).toEqual({
      start: '2030-02-20T00:00:00.000Z',
      end: '2030-03-20T00:00:00.000Z',
    });
    const annual = await server.createPartner({ billingPeriod: 'annual', billingDayOfMonth: 10 });
    expect(await get(annual.apiKey, '/partner/billing')).toMatchObject({
      billingPeriod: 'annually',
      billingDayOfMonth: 10,
      currentPeriod: { start: '2030-03-10T00:00:00.000Z', end: '2031-03-10T00:00:00.000Z' },
    });
  });

  it("counts this period's identifications of this partner only", async () => {
    // Onboarded last period, so that there is a last period to consume in.
    now = new Date('2030-02-01T00:00:00.000Z');
    const { partner, apiKey } = await server.createPartner({ poolCredits: 1000 });
    const stranger = await server.createPartner({ poolCredits: 1000 });
    const org = await createOrg(apiKey, { name: 'Busy', initialCredits: 200 });
    const strangerOrg = await createOrg(stranger.apiKey, { name: 'Other', initialCredits: 10 });
    await identify(partner.id, org.id, 1, '2030-02-27T08:00:00Z'); // last period
    await identify(partner.id, org.id, 1, '2030-03-02T08:00:00Z');
    await identify(stranger.partner.id, strangerOrg.id, 1, '2030-03-10T08:00:00Z');
    await identify(partner.id, org.id, 1, '2030-03-14T08:00:00Z');
    await identify(partner.id, org.id, 0, '2030-03-14T09:00:00Z'); // a repeat visitor costs nothing

    now = START;
    expect(await get(apiKey, '/partner/billing')).toMatchObject({
      creditPoolTotal: 1000,
      creditsAllocated: 200,
      creditsUnallocated: 800,
      creditsUsed: 2,
      overage: 0,
      creditsRemaining: 998,
    });
  });

  it('answers 401 without a valid key', async () => {
    expectError(await server.request('GET', '/partner/billing'), 401, 'unauthorized');
    expectError(
      await server.request('GET', '/partner/billing', { apiKey: 'allot_sk_wrong' }),
      401,
      'unauthorized',
    );
  });
});

describe('GET /partner/billing/usage', () => {
  it('answers an empty period for a partner without identifications', async () => {
    const { apiKey } = await server.createPartner();
    expect(await get(apiKey, '/partner/billing/usage')).toEqual({
      periodStart: '2030-03-01T00:00:00.000Z',
      periodEnd: '2030-04-01T00:00:00.000Z',
      creditsConsumed: 0,
      overage: 0,
      creditsGranted: 0,
      creditsExpired: 0,
      identifications: 0,
      organizations: [],
    });
  });

  it('sums the current period per organization, largest consumer first', async () => {
    now = new Date('2030-02-15T00:00:00.000Z');
    const { partner, apiKey } = await server.createPartner({ poolCredits: 1000 });
    // Billed quarterly (February to May), so its consumption on April 1 renews nothing: the
    // partner's monthly period is still March's when the report is read.
    const small = await createOrg(apiKey, {
      name: 'Small',
      initialCredits: 100,
      billingPeriod: 'quarterly',
    });
    expect((await get(apiKey, `${ORGS}/${small.id}`)).organization.currentPeriod).toEqual({
      start: '2030-02-01T00:00:00.000Z',
      end: '2030-05-01T00:00:00.000Z',
    });
    const large = await createOrg(apiKey, { name: 'Large', initialCredits: 100 });
    await createOrg(apiKey, { name: 'Idle', initialCredits: 100 });
    await identify(partner.id, large.id, 1, '2030-02-28T23:59:59Z'); // before the period
    for (const day of ['03', '04'])
      await identify(partner.id, large.id, 1, `2030-03-${day}T10:00:00Z`);
    await identify(partner.id, small.id, 1, '2030-03-05T00:00:00Z');
    await identify(partner.id, large.id, 1, '2030-03-05T10:00:00Z');
    await identify(partner.id, large.id, 0, '2030-03-06T10:00:00Z');
    await identify(partner.id, small.id, 1, '2030-04-01T00:00:00Z'); // the next period's first instant

    now = START;
    expect(await get(apiKey, '/partner/billing/usage')).toEqual({
      periodStart: '2030-03-01T00:00:00.000Z',
      periodEnd: '2030-04-01T00:00:00.000Z',
      creditsConsumed: 4,
      overage: 0,
      creditsGranted: 0,
      // February's allocations, unspent, lapsed at March's renewal: Large's 99 and Idle's 100.
      creditsExpired: 199,
      identifications: 5,
      organizations: [
        { organizationId: large.id, name: 'Large', creditsConsumed: 3, overage: 0 },
        { organizationId: small.id, name: 'Small', creditsConsumed: 1, overage: 0 },
      ],
    });

    // That first instant belongs to the next period.
    now = new Date('2030-04-01T00:00:00.000Z');
    expect(await get(apiKey, '/partner/billing/usage')).toEqual({
      periodStart: '2030-04-01T00:00:00.000Z',
      periodEnd: '2030-05-01T00:00:00.000Z',
      creditsConsumed: 1,
      overage: 0,
      creditsGranted: 0,
      // March's, at April's: Large's 97 and Idle's 100 (Small is billed quarterly).
      creditsExpired: 197,
      identifications: 1,
      organizations: [{ organizationId: small.id, name: 'Small', creditsConsumed: 1, overage: 0 }],
    });
  });
});

describe('GET /partner/usage', () => {
  it('defaults to the first of the month through today', async () => {
    now = new Date('2030-02-15T00:00:00.000Z');
    const { partner, apiKey } = await server.createPartner({ poolCredits: 1000 });
    const org = await createOrg(apiKey, { name: 'Usage', initialCredits: 100 });
    await identify(partner.id, org.id, 1, '2030-02-28T23:59:59Z'); // last month
    await identify(partner.id, org.id, 1, '2030-03-01T00:00:00Z'); // first instant of the month
    await identify(partner.id, org.id, 0, '2030-03-10T11:00:00Z');
    await identify(partner.id, org.id, 1, '2030-03-15T11:00:00Z'); // today

    now = START;
    expect(await get(apiKey, '/partner/usage')).toEqual({
      startDate: '2030-03-01',
      endDate: '2030-03-15',
      totalQuantity: 2,
      totalEvents: 3,
      totalOverage: 0,
      pixelEvents: 0,
      bots: 0,
    });
  });

  it('takes an explicit range, both days inclusive', async () => {
    now = new Date('2030-01-15T00:00:00.000Z');
    const { partner, apiKey } = await server.createPartner({ poolCredits: 1000 });
    const org = await createOrg(apiKey, { name: 'Ranged', initialCredits: 100 });
    await identify(partner.id, org.id, 1, '2030-01-31T23:59:59Z');
    await identify(partner.id, org.id, 1, '2030-02-01T00:00:00Z');
    await identify(partner.id, org.id, 1, '2030-02-10T12:00:00Z');
    await identify(partner.id, org.id, 0, '2030-02-10T13:00:00Z');
    await identify(partner.id, org.id, 1, '2030-02-28T23:59:59Z');
    await identify(partner.id, org.id, 1, '2030-03-01T00:00:00Z');

    now = START;
    expect(await get(apiKey, '/partner/usage?startDate=2030-02-01&endDate=2030-02-28')).toEqual({
      startDate: '2030-02-01',
      endDate: '2030-02-28',
      totalQuantity: 3,
      totalEvents: 4,
      totalOverage: 0,
      pixelEvents: 0,
      bots: 0,
    });
    expect(
      await get(apiKey, '/partner/usage?startDate=2030-02-10&endDate=2030-02-10'),
    ).toMatchObject({
      totalQuantity: 1,
      totalEvents: 2,
    });
    // Only startDate: through today.
    expect(await get(apiKey, '/partner/usage?startDate=2030-01-01')).toEqual({
      startDate: '2030-01-01',
      endDate: '2030-03-15',
      totalQuantity: 5,
      totalEvents: 6,
      totalOverage: 0,
      pixelEvents: 0,
      bots: 0,
    });
    // Another partner's key sees none of it.
    const other = await server.createPartner();
    expect(await get(other.apiKey, '/partner/usage?startDate=2030-01-01')).toMatchObject({
      totalQuantity: 0,
      totalEvents: 0,
    });
  });

  it.each([
    ['startDate=2030-13-01', 'startDate'],
    ['startDate=2030-02-30', 'startDate'],
    ['endDate=yesterday', 'endDate'],
    ['startDate=2030-03-01T00:00:00Z', 'startDate'],
    ['endDate=20300301', 'endDate'],
  ])('rejects the malformed date %s with 400', async (query, field) => {
    const { apiKey } = await server.createPartner();
    for (const path of ['/partner/usage', '/partner/analytics']) {
      const response = await server.request('GET', `${path}?${query}`, { apiKey });
      expectError(response, 400, 'invalid_request');
      const paths = (response.body.error.details as { path: string[] }[]).map((issue) =>
        issue.path.join('.'),
      );
      expect(paths).toContain(field);
    }
  });

  it('rejects a start after the end with 400 invalid_date_range', async () => {
    const { apiKey } = await server.createPartner();
    for (const path of ['/partner/usage', '/partner/analytics']) {
      const response = await server.request(
        'GET',
        `${path}?startDate=2030-03-02&endDate=2030-03-01`,
        { apiKey },
      );
      expect(response.body).toEqual({
        error: {
          code: 'invalid_date_range',
          message: expect.any(String),
          requestId: expect.any(String),
        },
      });
      expect(response.status).toBe(400);
    }
    // An explicit start after the default end (today) is refused the same way.
    expectError(
      await server.request('GET', '/partner/usage?startDate=2030-03-16', { apiKey }),
      400,
      'invalid_date_range',
    );
  });
});

describe('GET /partner/analytics', () => {
  it('counts organizations and reads credits from the ledger and events from the identifications table', async () => {
    now = new Date('2030-02-01T00:00:00.000Z');
    const { partner, apiKey } = await server.createPartner({ poolCredits: 1000 });
    const one = await createOrg(apiKey, { name: 'One', initialCredits: 300 });
    const two = await createOrg(apiKey, { name: 'Two', initialCredits: 200 });
    await identify(partner.id, two.id, 1, '2030-02-12T10:00:00Z'); // outside the default range

    // This period (the allowances renewed on March 1): a suspended and a canceled organization.
    now = new Date('2030-03-09T00:00:00.000Z');
    const suspended = await createOrg(apiKey, { name: 'Paused', initialCredits: 50 });
    const canceled = await createOrg(apiKey, { name: 'Gone' });
    expect(
      (
        await server.request('PUT', `${ORGS}/${suspended.id}/status`, {
          apiKey,
          body: { enabled: false },
        })
      ).status,
    ).toBe(200);
    expect((await server.request('DELETE', `${ORGS}/${canceled.id}`, { apiKey })).status).toBe(204);

    for (let i = 0; i < 3; i++) await identify(partner.id, one.id, 1, `2030-03-1${i}T10:00:00Z`);
    await identify(partner.id, two.id, 1, '2030-03-12T10:00:00Z');
    now = START;
    // In all this period: 120 by One, 200 (all it has) by Two.
    await consume(one.id, 117);
    await consume(two.id, 199);

    const empty = await server.createPartner();
    expect(await get(empty.apiKey, '/partner/analytics')).toEqual({
      startDate: '2030-03-01',
      endDate: '2030-03-15',
      totalOrganizations: 0,
      activeOrganizations: 0,
      totalIdentifications: 0,
      pixelEvents: 0,
      bots: 0,
      creditsRemaining: 0,
      creditsUsed: 0,
    });
    expect(await get(apiKey, '/partner/analytics')).toEqual({
      startDate: '2030-03-01',
      endDate: '2030-03-15',
      totalOrganizations: 4,
      activeOrganizations: 2,
      totalIdentifications: 4,
      pixelEvents: 0,
      bots: 0,
      // (300 - 120) + (200 - 200) + 50 + 0
      creditsRemaining: 230,
      creditsUsed: 320,
    });
    expect(
      await get(apiKey, '/partner/analytics?startDate=2030-02-01&endDate=2030-02-28'),
    ).toMatchObject({
      startDate: '2030-02-01',
      endDate: '2030-02-28',
      totalOrganizations: 4,
      activeOrganizations: 2,
      totalIdentifications: 1,
    });
  });
});

describe('overage (usage_based)', () => {
  it('keeps consuming past the credits and reports the excess as overage in billing, usage and the period', async () => {
    now = new Date('2030-03-10T00:00:00.000Z');
    const { partner, apiKey } = await server.createPartner({
      billingMode: 'usage_based',
      poolCredits: 0,
    });
    const over = await createOrg(apiKey, { name: 'Overrun', initialCredits: 100 });
    const within = await createOrg(apiKey, { name: 'Within', initialCredits: 50 });
    expect(await identify(partner.id, over.id, 60, '2030-03-11T10:00:00Z')).toMatchObject({
      charged: 60,
      overage: 0,
    });
    expect(await identify(partner.id, within.id, 10, '2030-03-12T10:00:00Z')).toMatchObject({
      charged: 10,
      overage: 0,
    });
    // 40 of 70 from what is left; the other 30 past zero.
    expect(await identify(partner.id, over.id, 70, '2030-03-13T10:00:00Z')).toMatchObject({
      granted: true,
      charged: 40,
      overage: 30,
    });
    // At zero, consumption goes on, all of it overage.
    expect(await identify(partner.id, over.id, 5, '2030-03-14T10:00:00Z')).toMatchObject({
      granted: true,
      charged: 0,
      overage: 5,
    });

    now = START;
    expect(await get(apiKey, '/partner/billing')).toEqual({
      billingMode: 'usage_based',
      billingPeriod: 'monthly',
      billingDayOfMonth: 1,
      currentPeriod: { start: '2030-03-01T00:00:00.000Z', end: '2030-04-01T00:00:00.000Z' },
      creditPoolTotal: null,
      creditsAllocated: null,
      creditsUnallocated: null,
      creditsUsed: 145,
      overage: 35,
      creditsRemaining: null,
    });
    expect(await get(apiKey, '/partner/billing/usage')).toEqual({
      periodStart: '2030-03-01T00:00:00.000Z',
      periodEnd: '2030-04-01T00:00:00.000Z',
      creditsConsumed: 145,
      overage: 35,
      creditsGranted: 0,
      creditsExpired: 0,
      identifications: 4,
      organizations: [
        { organizationId: over.id, name: 'Overrun', creditsConsumed: 135, overage: 35 },
        { organizationId: within.id, name: 'Within', creditsConsumed: 10, overage: 0 },
      ],
    });
    expect(await get(apiKey, '/partner/usage')).toEqual({
      startDate: '2030-03-01',
      endDate: '2030-03-15',
      totalQuantity: 145,
      totalEvents: 4,
      totalOverage: 35,
      pixelEvents: 0,
      bots: 0,
    });
    expect((await get(apiKey, `${ORGS}/${over.id}`)).organization).toMatchObject({
      credits: 100,
      creditsUsed: 135,
      creditsRemaining: 0,
    });
  });
});

describe('period renewal (no rollover)', () => {
  it('refreshes the pool and re-grants each allowance at the next period; nothing carries over', async () => {
    now = new Date('2030-03-10T00:00:00.000Z');
    const { partner, apiKey } = await server.createPartner({
      billingMode: 'credit_pool',
      billingPeriod: 'monthly',
      poolCredits: 1000,
    });
    const org = await createOrg(apiKey, { name: 'Renewing', initialCredits: 300 });
    // Credits set with PUT credits belong to this period only: this one has no recurring allowance.
    const oneOff = await createOrg(apiKey, { name: 'One-off' });
    expect(
      (
        await server.request('PUT', `${ORGS}/${oneOff.id}/credits`, {
          apiKey,
          body: { credits: 150 },
        })
      ).status,
    ).toBe(200);
    await identify(partner.id, org.id, 1, '2030-03-14T10:00:00Z');
    now = START;
    await consume(org.id, 119);
    expect(await get(apiKey, '/partner/billing')).toMatchObject({
      currentPeriod: { start: '2030-03-01T00:00:00.000Z', end: '2030-04-01T00:00:00.000Z' },
      creditPoolTotal: 1000,
      creditsAllocated: 450,
      creditsUnallocated: 550,
      creditsUsed: 120,
    });
    expect((await get(apiKey, `${ORGS}/${org.id}`)).organization).toMatchObject({
      credits: 300,
      creditsUsed: 120,
      creditsRemaining: 180,
    });

    now = new Date('2030-04-10T09:00:00.000Z');
    const billing = await get(apiKey, '/partner/billing');
    expect(billing).toEqual({
      billingMode: 'credit_pool',
      billingPeriod: 'monthly',
      billingDayOfMonth: 1,
      currentPeriod: { start: '2030-04-01T00:00:00.000Z', end: '2030-05-01T00:00:00.000Z' },
      // Not 1000 + the 550 left unallocated last month.
      creditPoolTotal: 1000,
      // The renewed allowance of 300 only: the one-off 150 lapsed.
      creditsAllocated: 300,
      creditsUnallocated: 700,
      creditsUsed: 0,
      overage: 0,
      creditsRemaining: 1000,
    });
    const renewed = (await get(apiKey, `${ORGS}/${org.id}`)).organization;
    // Not 300 + the 180 left unused last month.
    expect(renewed).toMatchObject({
      credits: 300,
      creditsUsed: 0,
      creditsRemaining: 300,
      creditAllowance: 300,
      currentPeriod: { start: '2030-04-01T00:00:00.000Z', end: '2030-05-01T00:00:00.000Z' },
    });
    expect((await get(apiKey, `${ORGS}/${oneOff.id}`)).organization).toMatchObject({
      credits: 0,
      creditsUsed: 0,
    });
    expect(await get(apiKey, '/partner/billing/usage')).toMatchObject({
      periodStart: '2030-04-01T00:00:00.000Z',
      creditsConsumed: 0,
      identifications: 0,
      organizations: [],
    });

    // The renewed pool is a normal pool: what is left of it can be allocated, not more.
    expectError(
      await server.request('PUT', `${ORGS}/${oneOff.id}/credits`, {
        apiKey,
        body: { credits: 501 },
      }),
      422,
      'trial_cap_exceeded',
    );
    expect(
      (
        await server.request('PUT', `${ORGS}/${oneOff.id}/credits`, {
          apiKey,
          body: { credits: 500 },
        })
      ).status,
    ).toBe(200);
    expect(await get(apiKey, '/partner/billing')).toMatchObject({
      creditsAllocated: 800,
      creditsUnallocated: 200,
    });

    // Skipping a whole period still renews once, to the same figures.
    now = new Date('2030-06-03T00:00:00.000Z');
    expect(await get(apiKey, '/partner/billing')).toMatchObject({
      currentPeriod: { start: '2030-06-01T00:00:00.000Z', end: '2030-07-01T00:00:00.000Z' },
      creditPoolTotal: 1000,
      creditsAllocated: 300,
      creditsUnallocated: 700,
    });
    expect((await get(apiKey, `${ORGS}/${org.id}`)).organization).toMatchObject({
      credits: 300,
      creditsUsed: 0,
    });
    expect((await get(apiKey, `${ORGS}/${oneOff.id}`)).organization).toMatchObject({ credits: 0 });
  });

  it('renews an organization that is not touched first through billing (GET organization triggers it too)', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const org = await createOrg(apiKey, { name: 'Direct', initialCredits: 400 });
    await consume(org.id, 400);
    now = new Date('2030-04-01T00:00:00.000Z'); // the exact first instant of the next period
    expect((await get(apiKey, `${ORGS}/${org.id}`)).organization).toMatchObject({
      credits: 400,
      creditsUsed: 0,
      creditsRemaining: 400,
    });
    expect(await get(apiKey, '/partner/billing')).toMatchObject({
      creditPoolTotal: 1000,
      creditsAllocated: 400,
    });
  });
});

describe('period renewal when the pool cannot cover every allowance', () => {
  it('grants allowances in order until the pool is empty, skips disabled organizations, and is idempotent', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const ids: string[] = [];
    for (const name of ['A', 'B', 'C', 'D']) {
      ids.push((await createOrg(apiKey, { name, tier: 'paid', creditAllowance: 400 })).id);
    }
    const suspended = await createOrg(apiKey, { name: 'Off', tier: 'paid', creditAllowance: 300 });
    expect(
      (
        await server.request('PUT', `${ORGS}/${suspended.id}/status`, {
          apiKey,
          body: { enabled: false },
        })
      ).status,
    ).toBe(200);

    now = new Date('2030-04-02T00:00:00.000Z');
    const credits = async () =>
      Promise.all(
        ids.map(async (id) => (await get(apiKey, `${ORGS}/${id}`)).organization.credits as number),
      );
    // Organizations renew in id order (creation order): 400 + 400 + 200 + 0 = the whole pool.
    expect(await credits()).toEqual([400, 400, 200, 0]);
    expect((await get(apiKey, `${ORGS}/${suspended.id}`)).organization.credits).toBe(0);
    expect(await get(apiKey, '/partner/billing')).toMatchObject({
      creditPoolTotal: 1000,
      creditsAllocated: 1000,
      creditsUnallocated: 0,
    });

    // Reading again in the same period renews nothing twice.
    expect(await credits()).toEqual([400, 400, 200, 0]);
    expect(await get(apiKey, '/partner/billing')).toMatchObject({ creditsAllocated: 1000 });
  });

  it('grants every allowance in full outside credit_pool mode', async () => {
    for (const billingMode of ['external', 'usage_based']) {
      now = START;
      const { apiKey } = await server.createPartner({ billingMode, poolCredits: 0 });
      const org = await createOrg(apiKey, {
        name: billingMode,
        tier: 'paid',
        initialCredits: 5000,
      });
      now = new Date('2030-04-02T00:00:00.000Z');
      expect((await get(apiKey, `${ORGS}/${org.id}`)).organization).toMatchObject({
        credits: 5000,
        creditsUsed: 0,
      });
    }
  });
});

describe('grants and expiry in /partner/billing/usage', () => {
  it('counts what was granted this period and what of it expired unused', async () => {
    const { apiKey } = await server.createPartner({ billingMode: 'external' });
    const org = await createOrg(apiKey, { name: 'Promo', tier: 'paid' });
    const granted = await server.request('POST', `${ORGS}/${org.id}/credits/grants`, {
      apiKey,
      body: { amount: 30, expiresAt: '2030-03-20T00:00:00Z', reason: 'spring promotion' },
    });
    expect(granted.status).toBe(201);
    const used = await server.request('POST', `${ORGS}/${org.id}/credits/consumptions`, {
      apiKey,
      body: { amount: 10 },
    });
    expect(used.status).toBe(201);
    expect(await get(apiKey, '/partner/billing/usage')).toMatchObject({
      creditsConsumed: 10,
      creditsGranted: 30,
      creditsExpired: 0,
    });
    // Past the expiry, with nothing having swept it: the report writes the lapse down itself.
    now = new Date('2030-03-25T00:00:00.000Z');
    expect(await get(apiKey, '/partner/billing/usage')).toMatchObject({
      creditsConsumed: 10,
      creditsGranted: 30,
      creditsExpired: 20,
    });
  });
});
