import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from './expect-errors.ts';
import { OPERATOR_TOKEN, startTestServer, type TestServer } from './harness.ts';
import { ORGS } from './paths.ts';

/** The server's clock: moved by tests that cross an expiry or a period, put back after each. */
const START = new Date('2030-03-15T12:00:00.000Z');
let now = START;
const at = (iso: string) => {
  now = new Date(iso);
};

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ now: () => now });
});
afterEach(() => {
  now = START;
});
afterAll(() => server.close());

type Partner = Awaited<ReturnType<TestServer['createPartner']>>;

const ok: TestServer['ok'] = (...args) => server.ok(...args);

async function organization(partner: Partner, body: Record<string, unknown> = {}) {
  const created = await ok('POST', ORGS, partner.apiKey, { name: 'Client', tier: 'paid', ...body });
  return created.organization.id as string;
}

const credits = (id: string) => `${ORGS}/${id}/credits`;

async function balance(partner: Partner, id: string, creditType = 'identification') {
  const body = await ok('GET', credits(id), partner.apiKey);
  return body.balances.find((b: { creditType: string }) => b.creditType === creditType);
}

const grant = (partner: Partner, id: string, body: Record<string, unknown>) =>
  server.request('POST', `${credits(id)}/grants`, {
    apiKey: partner.apiKey,
    body: { reason: 'test', ...body },
  });

const consume = (partner: Partner, id: string, amount = 1, key?: string) =>
  server.request('POST', `${credits(id)}/consumptions`, {
    apiKey: partner.apiKey,
    body: { amount },
    headers: key ? { 'idempotency-key': key } : {},
  });

async function billing(partner: Partner) {
  return ok('GET', '/partner/billing', partner.apiKey);
}

describe('POST .../credits/grants', () => {
  it('grants credits with every field and answers the grant', async () => {
    const partner = await server.createPartner({ billingMode: 'external' });
    const id = await organization(partner);
    const response = await grant(partner, id, {
      amount: 250,
      kind: 'purchased',
      priority: 10,
      costBasis: '0.0450',
      expiresAt: '2031-01-01T00:00:00Z',
      reason: 'Purchased package',
    });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      grant: {
        id: expect.any(String),
        creditType: 'identification',
        amount: 250,
        remaining: 250,
        kind: 'purchased',
        priority: 10,
        costBasis: '0.045',
        effectiveAt: START.toISOString(),
        expiresAt: '2031-01-01T00:00:00.000Z',
        reason: 'Purchased package',
        status: 'active',
        createdAt: START.toISOString(),
      },
    });
    expect(await balance(partner, id)).toMatchObject({ available: 250, allocated: 0, used: 0 });
  });

  it('in credit_pool mode draws the grant from the pool and counts it as allocated', async () => {
    const partner = await server.createPartner({ poolCredits: 1000 });
    const id = await organization(partner, { initialCredits: 300 });
    expect(await grant(partner, id, { amount: 200 })).toMatchObject({ status: 201 });
    expect(await billing(partner)).toMatchObject({
      creditPoolTotal: 1000,
      creditsAllocated: 500,
      creditsUnallocated: 500,
    });
    expectError(await grant(partner, id, { amount: 501 }), 422, 'insufficient_pool_credits');
    expect(await grant(partner, id, { amount: 500 })).toMatchObject({ status: 201 });
    expect((await billing(partner)).creditsUnallocated).toBe(0);
    expect(await balance(partner, id)).toMatchObject({ available: 1000, allocated: 300 });
  });

  it('holds a trial organization to 500 unexpired credits, allocation and grants together', async () => {
    const partner = await server.createPartner({ billingMode: 'external' });
    const id = await organization(partner, { tier: 'trial', initialCredits: 400 });
    expectError(await grant(partner, id, { amount: 101 }), 422, 'trial_cap_exceeded');
    expect((await grant(partner, id, { amount: 100 })).status).toBe(201);
    // Spent credits no longer count against the cap.
    expect((await consume(partner, id, 50)).status).toBe(201);
    expect((await grant(partner, id, { amount: 50 })).status).toBe(201);
    expectError(await grant(partner, id, { amount: 1 }), 422, 'trial_cap_exceeded');
  });

  it('refuses an expiry that is not ahead, and a canceled organization', async () => {
    const partner = await server.createPartner({ billingMode: 'external' });
    const id = await organization(partner);
    expectError(
      await grant(partner, id, { amount: 5, expiresAt: START.toISOString() }),
      422,
      'expiry_in_past',
    );
    expectError(
      await grant(partner, id, {
        amount: 5,
        effectiveAt: '2030-06-01T00:00:00Z',
        expiresAt: '2030-05-01T00:00:00Z',
      }),
      422,
      'expiry_before_effective',
    );
    expect(
      (await server.request('DELETE', `${ORGS}/${id}`, { apiKey: partner.apiKey })).status,
    ).toBe(204);
    expectError(await grant(partner, id, { amount: 5 }), 422, 'organization_canceled');
    expect((await ok('GET', `${credits(id)}/grants`, partner.apiKey)).grants).toEqual([]);
  });

  it('rejects malformed grants with 400 and changes nothing', async () => {
    const partner = await server.createPartner({ billingMode: 'external' });
    const id = await organization(partner);
    for (const body of [
      { amount: 0 },
      { amount: -5 },
      { amount: 1.5 },
      { amount: 5, reason: '' },
      { amount: 5, costBasis: '1e3' },
      { amount: 5, costBasis: -1 },
      { amount: 5, priority: -1 },
      { amount: 5, kind: 'allocation' },
      { amount: 5, expiresAt: 'tomorrow' },
      { amount: 5, creditType: 'Bad Type' },
      { amount: 5, surprise: true },
    ]) {
      const response = await grant(partner, id, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    expect((await ok('GET', `${credits(id)}/grants`, partner.apiKey)).grants).toEqual([]);
  });

  it('a pending grant is listed but not spendable until it takes effect', async () => {
    const partner = await server.createPartner({ billingMode: 'external' });
    const id = await organization(partner);
    const created = await grant(partner, id, { amount: 10, effectiveAt: '2030-03-20T00:00:00Z' });
    expect(created.body.grant.status).toBe('pending');
    expect(await balance(partner, id)).toMatchObject({ available: 0 });
    expectError(await consume(partner, id), 422, 'insufficient_credits');
    at('2030-03-20T00:00:00Z');
    expect(await balance(partner, id)).toMatchObject({ available: 10 });
    expect((await consume(partner, id)).status).toBe(201);
  });
});

describe('burn order and expiry', () => {
  it('burns priority first, then soonest expiry, then no expiry, one entry per block touched', async () => {
    const partner = await server.createPartner({ billingMode: 'external' });
    const id = await organization(partner);
    const never = (await grant(partner, id, { amount: 3 })).body.grant.id;
    const late = (await grant(partner, id, { amount: 3, expiresAt: '2030-12-01T00:00:00Z' })).body
      .grant.id;
    const soon = (await grant(partner, id, { amount: 3, expiresAt: '2030-04-01T00:00:00Z' })).body
      .grant.id;
    const urgent = (await grant(partner, id, { amount: 2, priority: 1 })).body.grant.id;

    expect((await consume(partner, id, 7)).body.consumption).toEqual({
      creditType: 'identification',
      amount: 7,
      charged: 7,
      overage: 0,
      replayed: false,
    });
    const grants = (await ok('GET', `${credits(id)}/grants`, partner.apiKey)).grants as {
      id: string;
      remaining: number;
      status: string;
    }[];
    const remaining = Object.fromEntries(grants.map((g) => [g.id, g.remaining]));
    expect(remaining).toEqual({ [urgent]: 0, [soon]: 0, [late]: 1, [never]: 3 });
    expect(grants.find((g) => g.id === urgent)?.status).toBe('depleted');

    const ledger = await ok('GET', `${credits(id)}/ledger?type=decrement`, partner.apiKey);
    expect(
      ledger.entries.map((e: { grantId: string; amount: number }) => [e.grantId, e.amount]),
    ).toEqual([
      [urgent, -2],
      [soon, -3],
      [late, -2],
    ]);
  });

  it('never spends a grant that expired one millisecond ago, with no sweeper having run', async () => {
    const partner = await server.createPartner({ billingMode: 'external' });
    const id = await organization(partner);
    const expiring = (await grant(partner, id, { amount: 5, expiresAt: '2030-03-15T13:00:00Z' }))
      .body.grant.id;
    at('2030-03-15T12:59:59.999Z');
    expect(await balance(partner, id)).toMatchObject({ available: 5 });
    at('2030-03-15T13:00:00.001Z');
    expect(await balance(partner, id)).toMatchObject({ available: 0, nextExpiry: null });
    expectError(await consume(partner, id), 422, 'insufficient_credits');
    const [listed] = (await ok('GET', `${credits(id)}/grants`, partner.apiKey)).grants;
    expect(listed).toMatchObject({ id: expiring, status: 'expired', remaining: 0 });
    // Nothing wrote an expiration: expiry is enforced at read and consume time.
    const written = await server.db
      .selectFrom('entries')
      .select('type')
      .where('block_id', '=', expiring)
      .execute();
    expect(written.map((e) => e.type)).toEqual(['increment']);
  });

  it('reports what expires within 30 days and when the next credits expire', async () => {
    const partner = await server.createPartner({ billingMode: 'external' });
    const id = await organization(partner);
    await grant(partner, id, { amount: 4, expiresAt: '2030-04-10T00:00:00Z' });
    await grant(partner, id, { amount: 6, expiresAt: '2030-04-14T12:00:00Z' });
    await grant(partner, id, { amount: 8, expiresAt: '2030-04-14T12:00:01Z' });
    await grant(partner, id, { amount: 10 });
    expect(await balance(partner, id)).toEqual({
      creditType: 'identification',
      available: 28,
      used: 0,
      allocated: 0,
      expiringSoon: 10,
      currency: null,
      pending: 0,
      overage: 0,
      nextExpiry: '2030-04-10T00:00:00.000Z',
      renewalShortfall: 0,
    });
  });
});

describe('void and expiry changes', () => {
  it('voids the unused remainder back to the pool; what was consumed stays consumed', async () => {
    const partner = await server.createPartner({ poolCredits: 1000 });
    const id = await organization(partner);
    const created = (await grant(partner, id, { amount: 100, priority: 1 })).body.grant;
    expect((await consume(partner, id, 30)).status).toBe(201);
    expect((await billing(partner)).creditsAllocated).toBe(100);

    const voided = await server.request('POST', `${credits(id)}/grants/${created.id}/void`, {
      apiKey: partner.apiKey,
      body: { reason: 'Sold by mistake' },
    });
    expect(voided.status).toBe(200);
    expect(voided.body.grant).toMatchObject({ status: 'voided', remaining: 0, amount: 100 });
    expect(await billing(partner)).toMatchObject({ creditsAllocated: 30, creditsUnallocated: 970 });
    expect(await balance(partner, id)).toMatchObject({ available: 0, used: 30 });
    const entries = (await ok('GET', `${credits(id)}/ledger?type=void`, partner.apiKey)).entries;
    expect(entries).toEqual([
      expect.objectContaining({ amount: -70, balanceAfter: 0, reason: 'Sold by mistake' }),
    ]);

    expectError(
      await server.request('POST', `${credits(id)}/grants/${created.id}/void`, {
        apiKey: partner.apiKey,
        body: { reason: 'again' },
      }),
      422,
      'grant_voided',
    );
  });

  it('outside credit_pool a void removes the credits for good', async () => {
    const partner = await server.createPartner({ billingMode: 'usage_based' });
    const id = await organization(partner);
    const created = (await grant(partner, id, { amount: 9 })).body.grant;
    await ok('POST', `${credits(id)}/grants/${created.id}/void`, partner.apiKey, { reason: 'no' });
    expect(await balance(partner, id)).toMatchObject({ available: 0 });
  });

  it('allocated credits are not grants: they change with PUT .../credits', async () => {
    const partner = await server.createPartner({ poolCredits: 1000 });
    const id = await organization(partner, { initialCredits: 50 });
    const [allocation] = (await ok('GET', `${credits(id)}/grants`, partner.apiKey)).grants;
    expect(allocation).toMatchObject({ kind: 'allocation', amount: 50 });
    expectError(
      await server.request('POST', `${credits(id)}/grants/${allocation.id}/void`, {
        apiKey: partner.apiKey,
        body: { reason: 'x' },
      }),
      422,
      'not_a_grant',
    );
  });

  it('moves an expiry later, earlier or away, but never into the past or for an expired grant', async () => {
    const partner = await server.createPartner({ billingMode: 'external' });
    const id = await organization(partner);
    const created = (await grant(partner, id, { amount: 5, expiresAt: '2030-04-01T00:00:00Z' }))
      .body.grant;
    const path = `${credits(id)}/grants/${created.id}/expiry`;
    const set = (expiresAt: string | null) =>
      server.request('PUT', path, {
        apiKey: partner.apiKey,
        body: { expiresAt, reason: 'Goodwill' },
      });

    expect((await set('2030-09-01T00:00:00Z')).body.grant.expiresAt).toBe(
      '2030-09-01T00:00:00.000Z',
    );
    expect((await set(null)).body.grant.expiresAt).toBeNull();
    expectError(await set('2030-03-15T11:00:00Z'), 422, 'expiry_in_past');
    expect((await set('2030-03-16T00:00:00Z')).status).toBe(200);
    at('2030-03-16T00:00:00Z');
    expectError(await set('2030-12-01T00:00:00Z'), 422, 'grant_expired');
    const changes = await server.db
      .selectFrom('block_expiry_changes')
      .select(['expires_at', 'reason'])
      .where('block_id', '=', created.id)
      .orderBy('id')
      .execute();
    expect(changes.map((c) => c.expires_at?.toISOString() ?? null)).toEqual([
      '2030-09-01T00:00:00.000Z',
      null,
      '2030-03-16T00:00:00.000Z',
    ]);
  });

  it("answers 404 for another organization's grant, even of the same partner", async () => {
    const partner = await server.createPartner({ billingMode: 'external' });
    const one = await organization(partner);
    const two = await organization(partner);
    const created = (await grant(partner, one, { amount: 5 })).body.grant;
    const response = await server.request('POST', `${credits(two)}/grants/${created.id}/void`, {
      apiKey: partner.apiKey,
      body: { reason: 'x' },
    });
    expectError(response, 404, 'not_found');
    expect(await balance(partner, one)).toMatchObject({ available: 5 });
  });

  it('filters grants by status and credit type', async () => {
    const partner = await server.createPartner({ billingMode: 'external' });
    const id = await organization(partner);
    const active = (await grant(partner, id, { amount: 5 })).body.grant.id;
    const pending = (await grant(partner, id, { amount: 5, effectiveAt: '2030-05-01T00:00:00Z' }))
      .body.grant.id;
    const list = async (query: string) =>
      (await ok('GET', `${credits(id)}/grants?${query}`, partner.apiKey)).grants.map(
        (g: { id: string }) => g.id,
      );
    expect(await list('status=active')).toEqual([active]);
    expect(await list('status=pending')).toEqual([pending]);
    expect(await list('creditType=identification')).toEqual([pending, active]);
    expect(await list('creditType=other')).toEqual([]);
    expect(
      (await server.request('GET', `${credits(id)}/grants?status=gone`, { apiKey: partner.apiKey }))
        .status,
    ).toBe(400);
  });

  it('pages grants like organizations: page, pageSize (default 20, at most 100), total, after the filters', async () => {
    const partner = await server.createPartner({ billingMode: 'external' });
    const id = await organization(partner);
    const active: string[] = [];
    for (let i = 0; i < 23; i += 1)
      active.unshift((await grant(partner, id, { amount: 1 })).body.grant.id);
    const pending: string[] = [];
    for (let i = 0; i < 3; i += 1)
      pending.unshift(
        (await grant(partner, id, { amount: 1, effectiveAt: '2030-05-01T00:00:00Z' })).body.grant
          .id,
      );
    const newestFirst = [...pending, ...active];
    const page = async (query: string) =>
      ok('GET', `${credits(id)}/grants?${query}`, partner.apiKey);
    const ids = (body: { grants: { id: string }[] }) => body.grants.map((g) => g.id);

    const defaults = await page('');
    expect(defaults).toMatchObject({ total: 26, page: 1, pageSize: 20 });
    expect(ids(defaults)).toEqual(newestFirst.slice(0, 20));
    const second = await page('page=2');
    expect(second).toMatchObject({ total: 26, page: 2, pageSize: 20 });
    expect(ids(second)).toEqual(newestFirst.slice(20));
    expect(ids(await page('pageSize=100'))).toEqual(newestFirst);
    expect(await page('page=9&pageSize=5')).toEqual({
      grants: [],
      total: 26,
      page: 9,
      pageSize: 5,
    });

    // The status filter runs before paging: total counts the matches, pages hold only them.
    const activePage = await page('status=active&page=3&pageSize=10');
    expect(activePage).toMatchObject({ total: 23, page: 3, pageSize: 10 });
    expect(ids(activePage)).toEqual(active.slice(20));
    expect(await page('status=pending&pageSize=2')).toMatchObject({ total: 3, pageSize: 2 });
    expect(ids(await page('status=pending&pageSize=2&page=2'))).toEqual(pending.slice(2));

    for (const query of ['page=0', 'pageSize=0', 'pageSize=101', 'limit=1']) {
      const response = await server.request('GET', `${credits(id)}/grants?${query}`, {
        apiKey: partner.apiKey,
      });
      expectError(response, 400, 'invalid_request');
      expect(response.body.error.message + JSON.stringify(response.body.error.details)).toContain(
        query.split('=')[0],
      );
    }
  });
});

describe('amendments', () => {
  it('gives consumed credits back, at most what was consumed', async () => {
    const partner = await server.createPartner({ billingMode: 'external' });
    const id = await organization(partner);
    await grant(partner, id, { amount: 10 });
    await consume(partner, id, 4);
    const amend = (amount: number) =>
      server.request('POST', `${credits(id)}/amendments`, {
        apiKey: partner.apiKey,
        body: { amount, reason: 'Duplicate visitor' },
      });
    expectError(await amend(5), 422, 'amendment_exceeds_consumption');
    const back = await amend(4);
    expect(back.status).toBe(201);
    expect(back.body).toEqual({
      amendment: {
        creditType: 'identification',
        amount: 4,
        reason: 'Duplicate visitor',
        createdAt: START.toISOString(),
      },
      balance: expect.objectContaining({ available: 10, used: 0 }),
    });
    expectError(await amend(1), 422, 'amendment_exceeds_consumption');
  });

  it('charges more with a negative amount, never below zero outside usage_based', async () => {
    const partner = await server.createPartner({ billingMode: 'credit_pool', poolCredits: 100 });
    const id = await organization(partner, { initialCredits: 10 });
    const amend = (amount: number) =>
      server.request('POST', `${credits(id)}/amendments`, {
        apiKey: partner.apiKey,
        body: { amount, reason: 'Missed usage' },
      });
    const refused = await amend(-11);
    expectError(refused, 422, 'insufficient_credits');
    // What was spendable, as the burn counted it: one block of 10, refused whole.
    expect(refused.body.error.message).toContain('has 10 identification credits available');
    expect((await amend(-10)).body.balance).toMatchObject({ available: 0, used: 10 });
    expectError(await amend(0), 400, 'invalid_request');
  });

  it('in usage_based mode a negative amendment past zero is overage', async () => {
    const partner = await server.createPartner({ billingMode: 'usage_based' });
    const id = await organization(partner, { initialCredits: 3 });
    const response = await server.request('POST', `${credits(id)}/amendments`, {
      apiKey: partner.apiKey,
      body: { amount: -5, reason: 'Backfilled usage' },
    });
    expect(response.body.balance).toMatchObject({ available: 0, used: 5, overage: 2 });
  });
});

describe('requests whose clocks disagree', () => {
  it('a request that read the clock a moment before another still sees its allocation', async () => {
    // Concurrent requests read the clock before they wait for the partner's lock, so one that
    // runs second may carry the earlier instant. Period credits count from the period's start.
    const partner = await server.createPartner({ poolCredits: 500 });
    const id = await organization(partner);
    at('2030-03-15T12:00:01.000Z');
    await ok('PUT', `${ORGS}/${id}/credits`, partner.apiKey, { credits: 300 });
    at('2030-03-15T12:00:00.000Z');
    const lowered = await server.request('PUT', `${ORGS}/${id}/credits`, {
      apiKey: partner.apiKey,
      body: { credits: 148 },
    });
    expect(lowered.status, JSON.stringify(lowered.body)).toBe(200);
    expect(await billing(partner)).toMatchObject({
      creditsAllocated: 148,
      creditsUnallocated: 352,
    });
  });
});

describe('corrections and caps across renewals', () => {
  it('a trial renewal fits the room the cap leaves beside unexpired grants', async () => {
    const partner = await server.createPartner({ billingMode: 'external' });
    const id = await organization(partner, {
      tier: 'trial',
      initialCredits: 100,
      creditAllowance: 500,
    });
    expect((await grant(partner, id, { amount: 300, reason: 'no expiry' })).status).toBe(201);
    at('2030-04-01T00:00:00Z');
    expect(await balance(partner, id)).toMatchObject({
      available: 500,
      allocated: 200,
      renewalShortfall: 300,
    });
    const [renewal] = (await ok('GET', `${credits(id)}/ledger?type=renewal`, partner.apiKey))
      .entries;
    expect(renewal.reason).toBe('Allowance of 500, cut to 200 by the trial cap');
  });

  it('a suspended organization can still be corrected, and an amendment is not a grant', async () => {
    const partner = await server.createPartner({ billingMode: 'external' });
    const id = await organization(partner, { initialCredits: 100 });
    await consume(partner, id, 20);
    await ok('PUT', `${ORGS}/${id}/status`, partner.apiKey, { enabled: false });
    const amend = (amount: number) =>
      ok('POST', `${credits(id)}/amendments`, partner.apiKey, { amount, reason: 'audit' });
    expect((await amend(-10)).balance).toMatchObject({ available: 70, used: 30 });
    expect((await amend(5)).balance).toMatchObject({ available: 75, used: 25 });
    const amended = (await ok('GET', `${credits(id)}/grants`, partner.apiKey)).grants.find(
      (g: { kind: string }) => g.kind === 'amendment',
    );
    expectError(
      await server.request('POST', `${credits(id)}/grants/${amended.id}/void`, {
        apiKey: partner.apiKey,
        body: { reason: 'undo' },
      }),
      422,
      'not_a_grant',
    );
  });
});

describe('POST .../credits/consumptions', () => {
  it('charges an Idempotency-Key once, however often it is retried', async () => {
    const partner = await server.createPartner({ billingMode: 'external' });
    const id = await organization(partner);
    await grant(partner, id, { amount: 10 });
    const first = await consume(partner, id, 3, 'visit-1');
    expect(first.status).toBe(201);
    const again = await consume(partner, id, 3, 'visit-1');
    expect(again.status).toBe(201);
    expect(again.body.consumption).toEqual({ ...first.body.consumption, replayed: true });
    // The key names the consumption itself: the key with another amount is a 409, not a charge.
    expectError(await consume(partner, id, 4, 'visit-1'), 409, 'idempotency_key_reused');
    expect(await balance(partner, id)).toMatchObject({ available: 7, used: 3 });
  });

  it('is all or nothing, and a refusal records nothing', async () => {
    const partner = await server.createPartner({ billingMode: 'external' });
    const id = await organization(partner);
    await grant(partner, id, { amount: 2 });
    expectError(await consume(partner, id, 3, 'big'), 422, 'insufficient_credits');
    expect(await balance(partner, id)).toMatchObject({ available: 2, used: 0 });
    await grant(partner, id, { amount: 1 });
    expect((await consume(partner, id, 3, 'big')).status).toBe(201);
    expect(await balance(partner, id)).toMatchObject({ available: 0, used: 3 });
  });

  it('refuses a suspended organization', async () => {
    const partner = await server.createPartner({ billingMode: 'external' });
    const id = await organization(partner);
    await grant(partner, id, { amount: 2 });
    await ok('PUT', `${ORGS}/${id}/status`, partner.apiKey, { enabled: false });
    expectError(await consume(partner, id), 422, 'organization_inactive');
  });
});

describe('credit types', () => {
  it('the operator adds a type; balances, grants and entries are kept per type', async () => {
    const create = await server.request('POST', '/operator/credit-types', {
      operator: true,
      body: { key: 'enrichment', name: 'Enrichment', unit: 'enriched contact' },
    });
    expect(create.status).toBe(201);
    expect(create.body.creditType).toMatchObject({ key: 'enrichment', unit: 'enriched contact' });
    expectError(
      await server.request('POST', '/operator/credit-types', {
        operator: true,
        body: { key: 'enrichment', name: 'Again', unit: 'x' },
      }),
      409,
      'credit_type_exists',
    );

    const partner = await server.createPartner({ poolCredits: 100 });
    const types = await ok('GET', '/partner/credit-types', partner.apiKey);
    expect(types.creditTypes.map((t: { key: string }) => t.key)).toEqual(
      expect.arrayContaining(['identification', 'enrichment']),
    );
    const id = await organization(partner, { initialCredits: 10 });
    expect((await grant(partner, id, { amount: 40, creditType: 'enrichment' })).status).toBe(201);
    expectError(
      await grant(partner, id, { amount: 1, creditType: 'unknown' }),
      422,
      'unknown_credit_type',
    );
    const used = await server.request('POST', `${credits(id)}/consumptions`, {
      apiKey: partner.apiKey,
      body: { amount: 15, creditType: 'enrichment' },
    });
    expect(used.status).toBe(201);

    const { balances } = await ok('GET', credits(id), partner.apiKey);
    expect(
      balances.map((b: { creditType: string; available: number }) => [b.creditType, b.available]),
    ).toEqual([
      ['enrichment', 25],
      ['identification', 10],
    ]);
    // The pool is sold in identification credits: other types do not draw on it.
    expect((await billing(partner)).creditsAllocated).toBe(10);
    const ledger = await ok('GET', `${credits(id)}/ledger?creditType=enrichment`, partner.apiKey);
    expect(ledger.entries.map((e: { type: string; amount: number }) => [e.type, e.amount])).toEqual(
      [
        ['increment', 40],
        ['decrement', -15],
      ],
    );
  });

  it('only the operator adds credit types', async () => {
    const partner = await server.createPartner();
    const response = await server.request('POST', '/operator/credit-types', {
      apiKey: partner.apiKey,
      body: { key: 'sneaky', name: 'S', unit: 'u' },
      headers: { authorization: `Bearer not-${OPERATOR_TOKEN}` },
    });
    expectError(response, 401, 'unauthorized');
  });
});

describe('the ledger', () => {
  it('pages an organization ledger by cursor, oldest first, with balances after each entry', async () => {
    const partner = await server.createPartner({ billingMode: 'external' });
    const id = await organization(partner);
    await grant(partner, id, { amount: 50 });
    for (let i = 0; i < 7; i += 1) await consume(partner, id, 1, `visit-${i}`);
    const seen: { sequence: number; balanceAfter: number; type: string }[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const body = await ok('GET', `${credits(id)}/ledger?${query}`, partner.apiKey);
      expect(body.entries.length).toBeLessThanOrEqual(3);
      seen.push(...body.entries);
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(seen.map((e) => e.balanceAfter)).toEqual([50, 49, 48, 47, 46, 45, 44, 43]);
    expect(seen.map((e) => e.type)).toEqual(['increment', ...Array(7).fill('decrement')]);
    expect(seen[1]).toMatchObject({ reference: null, account: 'organization', organizationId: id });
  });

  it('filters by time, and the partner ledger shows the pool beside its organizations', async () => {
    const partner = await server.createPartner({ poolCredits: 500 });
    const id = await organization(partner, { initialCredits: 100 });
    at('2030-03-20T00:00:00Z');
    await grant(partner, id, { amount: 10 });
    const later = await ok(
      'GET',
      `${credits(id)}/ledger?from=2030-03-16T00:00:00Z`,
      partner.apiKey,
    );
    expect(later.entries.map((e: { type: string }) => e.type)).toEqual(['increment']);
    const before = await ok('GET', `${credits(id)}/ledger?to=2030-03-16T00:00:00Z`, partner.apiKey);
    expect(before.entries.map((e: { type: string }) => e.type)).toEqual(['allocation']);

    const all = await ok('GET', '/partner/credits/ledger', partner.apiKey);
    expect(
      all.entries.map((e: { account: string; type: string; amount: number }) => [
        e.account,
        e.type,
        e.amount,
      ]),
    ).toEqual([
      ['pool', 'renewal', 500],
      ['pool', 'allocation', -100],
      ['organization', 'allocation', 100],
      ['pool', 'increment', -10],
      ['organization', 'increment', 10],
    ]);
    const onlyOrg = await ok('GET', `/partner/credits/ledger?organizationId=${id}`, partner.apiKey);
    expect(onlyOrg.entries).toHaveLength(2);
    const stranger = await server.createPartner();
    expect((await ok('GET', '/partner/credits/ledger', stranger.apiKey)).entries).toEqual([
      expect.objectContaining({ account: 'pool', type: 'renewal', amount: 1000 }),
    ]);
  });

  it('rejects a malformed cursor or range with 400', async () => {
    const partner = await server.createPartner();
    for (const query of ['cursor=abc', 'limit=0', 'limit=501', 'type=gift', 'from=yesterday']) {
      const response = await server.request('GET', `/partner/credits/ledger?${query}`, {
        apiKey: partner.apiKey,
      });
      expect(response.status, query).toBe(400);
    }
  });

  it('exports the ledger as CSV, escaping text a spreadsheet would run', async () => {
    const partner = await server.createPartner({ billingMode: 'external' });
    const id = await organization(partner);
    await grant(partner, id, { amount: 5, reason: '=HYPERLINK("http://evil")' });
    await grant(partner, id, { amount: 6, reason: 'Goodwill, for "the outage"' });
    const response = await fetch(`${server.url}/api/v1${credits(id)}/ledger.csv`, {
      headers: { 'x-partner-api-key': partner.apiKey },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await response.text()).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'id,createdAt,organizationId,account,creditType,type,amount,balanceAfter,sequence,grantId,reason,reference',
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(`,${id},organization,identification,increment,5,5,1,`);
    expect(lines[1]).toMatch(/,"'=HYPERLINK\(""http:\/\/evil""\)",$/);
    expect(lines[2]).toMatch(/,"Goodwill, for ""the outage""",$/);

    const partnerWide = await server.request('GET', '/partner/credits/ledger.csv?type=increment', {
      apiKey: partner.apiKey,
    });
    expect(partnerWide.status).toBe(200);
    expect((partnerWide.body as string).trimEnd().split('\n')).toHaveLength(3);
    const foreign = await server.request('GET', `${credits(id)}/ledger.csv`, {
      apiKey: (await server.createPartner()).apiKey,
    });
    expectError(foreign, 404, 'not_found');
  });
});

describe('the books balance', () => {
  it('every account sums to zero and none but issuance is negative, whatever happened above', async () => {
    const totals = await server.db
      .selectFrom('accounts')
      .select((eb) => eb.fn.sum<string>('balance').as('sum'))
      .executeTakeFirstOrThrow();
    expect(Number(totals.sum)).toBe(0);
    const negative = await server.db
      .selectFrom('accounts')
      .select('kind')
      .where('balance', '<', 0)
      .where('kind', '<>', 'issuance')
      .execute();
    expect(negative).toEqual([]);
    // Each account's last entry carries its balance, and its sequence has no gaps.
    const drift = await server.db
      .selectFrom('accounts as a')
      .select('a.id')
      .where((eb) =>
        eb.or([
          eb(
            'a.balance',
            '<>',
            eb.fn.coalesce(
              eb
                .selectFrom('entries as e')
                .select('e.balance_after')
                .whereRef('e.account_id', '=', 'a.id')
                .orderBy('e.sequence', 'desc')
                .limit(1),
              eb.lit(0),
            ),
          ),
          eb(
            'a.sequence',
            '<>',
            eb
              .selectFrom('entries as e')
              .select((x) => x.fn.countAll<number>().as('n'))
              .whereRef('e.account_id', '=', 'a.id'),
          ),
        ]),
      )
      .execute();
    expect(drift).toEqual([]);
  });
});
