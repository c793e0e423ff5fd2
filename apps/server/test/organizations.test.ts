import { randomUUID } from 'node:crypto';
import { services } from '@allot/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { expectError, expectInvalid } from './expect-errors.ts';
import { ORGS } from './paths.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** A business or lookup error: exactly `{ error: { code, message } }`. */

/** A 400 from schema validation: the zod issues ride in `details` and name the offending field. */

async function billing(apiKey: string) {
  const response = await server.request('GET', '/partner/billing', { apiKey });
  expect(response.status).toBe(200);
  return response.body;
}

/** The pool as GET /partner/billing reports it, and its invariant. */
async function expectPool(apiKey: string, total: number, allocated: number) {
  const body = await billing(apiKey);
  expect(body).toMatchObject({
    creditPoolTotal: total,
    creditsAllocated: allocated,
    creditsUnallocated: total - allocated,
  });
  expect(body.creditsAllocated + body.creditsUnallocated).toBe(body.creditPoolTotal);
}

async function createOrg(apiKey: string, body: Record<string, unknown>) {
  const response = await server.request('POST', ORGS, { apiKey, body });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.organization;
}

async function getOrg(apiKey: string, id: string) {
  const response = await server.request('GET', `${ORGS}/${id}`, { apiKey });
  expect(response.status).toBe(200);
  return response.body.organization;
}

async function list(apiKey: string, query = '') {
  const response = await server.request('GET', `${ORGS}${query}`, { apiKey });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as {
    organizations: { id: string; name: string }[];
    total: number;
    page: number;
    pageSize: number;
  };
}

describe('POST /partner/organizations', () => {
  it('creates with the documented defaults and draws initialCredits from the pool', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const response = await server.request('POST', ORGS, {
      apiKey,
      body: {
        name: 'Acme Corp',
        externalId: 'acme-123',
        initialCredits: 250,
        metadata: { source: 'signup' },
      },
    });
    expect(response.status).toBe(201);
    const organization = response.body.organization;
    expect(organization).toMatchObject({
      name: 'Acme Corp',
      externalId: 'acme-123',
      ownerUserId: null,
      status: 'active',
      tier: 'trial',
      credits: 250,
      creditsUsed: 0,
      creditsRemaining: 250,
      creditAllowance: 250,
      billingPeriod: 'monthly',
      billingDayOfMonth: 1,
      productType: 'B2B',
      metadata: { source: 'signup' },
      partnerMetadata: { externalId: 'acme-123' },
    });
    expect(organization.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(Date.parse(organization.createdAt)).not.toBeNaN();
    const start = new Date(organization.currentPeriod.start);
    const end = new Date(organization.currentPeriod.end);
    expect(start.getUTCDate()).toBe(1);
    expect(start.getTime()).toBeLessThanOrEqual(Date.now());
    expect(end.getTime()).toBeGreaterThan(Date.now());
    await expectPool(apiKey, 1000, 250);

    // What POST answered is what GET reads back.
    expect(await getOrg(apiKey, organization.id)).toEqual(organization);
  });

  it('defaults credits and allowance to 0, metadata to {} and externalId to null', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 100 });
    const organization = await createOrg(apiKey, { name: 'Bare' });
    expect(organization).toMatchObject({
      tier: 'trial',
      credits: 0,
      creditAllowance: 0,
      metadata: {},
      externalId: null,
      partnerMetadata: { externalId: null },
    });
    await expectPool(apiKey, 100, 0);
  });

  it("answers 'annual' as 'annually' and keeps an explicit creditAllowance apart from initialCredits", async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 5000 });
    const organization = await createOrg(apiKey, {
      name: 'Yearly',
      tier: 'paid',
      billingPeriod: 'annual',
      billingDayOfMonth: 12,
      initialCredits: 1200,
      creditAllowance: 800,
      productType: 'B2C',
      ownerUserId: 'user-42',
    });
    expect(organization).toMatchObject({
      tier: 'paid',
      billingPeriod: 'annually',
      billingDayOfMonth: 12,
      credits: 1200,
      creditAllowance: 800,
      productType: 'B2C',
      ownerUserId: 'user-42',
    });
    const start = new Date(organization.currentPeriod.start);
    const end = new Date(organization.currentPeriod.end);
    expect(start.getUTCDate()).toBe(12);
    expect(
      end.getUTCFullYear() * 12 +
        end.getUTCMonth() -
        (start.getUTCFullYear() * 12 + start.getUTCMonth()),
    ).toBe(12);
    await expectPool(apiKey, 5000, 1200);
  });

  it.each([
    ['name missing', { initialCredits: 1 }, 'name'],
    ['name blank', { name: '   ' }, 'name'],
    ['negative credits', { name: 'X', initialCredits: -1 }, 'initialCredits'],
    ['fractional credits', { name: 'X', initialCredits: 1.5 }, 'initialCredits'],
    ['credits as a string', { name: 'X', initialCredits: '10' }, 'initialCredits'],
    ['unknown tier', { name: 'X', tier: 'gold' }, 'tier'],
    ['unknown billing period', { name: 'X', billingPeriod: 'weekly' }, 'billingPeriod'],
    ['billing day 29', { name: 'X', billingDayOfMonth: 29 }, 'billingDayOfMonth'],
    ['billing day 0', { name: 'X', billingDayOfMonth: 0 }, 'billingDayOfMonth'],
    ['unknown product type', { name: 'X', productType: 'B2G' }, 'productType'],
    ['nested metadata', { name: 'X', metadata: { nested: { a: 1 } } }, 'metadata'],
    ['an unknown field', { name: 'X', plan: 'gold' }, ''],
  ])('rejects %s with 400 and the zod issues, creating nothing', async (_label, body, field) => {
    const { apiKey } = await server.createPartner({ poolCredits: 100 });
    const response = await server.request('POST', ORGS, { apiKey, body });
    if (field === '') {
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('invalid_request');
      expect(response.body.error.details).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ code: 'unrecognized_keys', keys: ['plan'] }),
        ]),
      );
    } else {
      expectInvalid(response, field);
    }
    expect((await list(apiKey)).total).toBe(0);
    await expectPool(apiKey, 100, 0);
  });

  it('rejects a body that is not a JSON object, and malformed JSON, with 400', async () => {
    const { apiKey } = await server.createPartner();
    const array = await server.request('POST', ORGS, { apiKey, body: [{ name: 'X' }] });
    expectError(array, 400, 'invalid_request');
    const malformed = await server.request('POST', ORGS, { apiKey, rawBody: '{"name": "X",' });
    expectError(malformed, 400, 'invalid_request');
    expect((await list(apiKey)).total).toBe(0);
  });

  it('refuses an allocation beyond the pool with 422 insufficient_pool_credits and creates nothing', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    await createOrg(apiKey, { name: 'Big', tier: 'paid', initialCredits: 600 });
    const response = await server.request('POST', ORGS, {
      apiKey,
      body: { name: 'Too big', tier: 'paid', initialCredits: 401, externalId: 'too-big' },
    });
    expectError(response, 422, 'insufficient_pool_credits');
    expect((await list(apiKey)).total).toBe(1);
    expect((await list(apiKey, '?externalId=too-big')).total).toBe(0);
    await expectPool(apiKey, 1000, 600);

    // Exactly what is left is fine.
    await createOrg(apiKey, { name: 'Just fits', tier: 'paid', initialCredits: 400 });
    await expectPool(apiKey, 1000, 1000);
  });

  it('caps a trial organization at 500 credits (501 is 422 trial_cap_exceeded)', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 5000 });
    expectError(
      await server.request('POST', ORGS, { apiKey, body: { name: 'T', initialCredits: 501 } }),
      422,
      'trial_cap_exceeded',
    );
    expectError(
      await server.request('POST', ORGS, {
        apiKey,
        body: { name: 'T', tier: 'trial', initialCredits: 10, creditAllowance: 501 },
      }),
      422,
      'trial_cap_exceeded',
    );
    expect((await list(apiKey)).total).toBe(0);
    await expectPool(apiKey, 5000, 0);
    const atCap = await createOrg(apiKey, { name: 'T', initialCredits: 500 });
    expect(atCap).toMatchObject({ tier: 'trial', credits: 500 });
    await expectPool(apiKey, 5000, 500);
  });

  it('answers 409 external_id_taken when an externalId is reused within a partner, but not across partners', async () => {
    const a = await server.createPartner({ poolCredits: 1000 });
    const b = await server.createPartner({ poolCredits: 1000 });
    await createOrg(a.apiKey, { name: 'First', externalId: 'client-7' });
    const reuse = await server.request('POST', ORGS, {
      apiKey: a.apiKey,
      body: { name: 'Second', externalId: 'client-7', initialCredits: 100 },
    });
    expectError(reuse, 409, 'external_id_taken');
    expect((await list(a.apiKey)).total).toBe(1);
    await expectPool(a.apiKey, 1000, 0);

    const other = await createOrg(b.apiKey, { name: 'Elsewhere', externalId: 'client-7' });
    expect(other.externalId).toBe('client-7');
  });
});

describe('GET /partner/organizations', () => {
  it('paginates with accurate totals, newest first, without gaps or repeats', async () => {
    const { apiKey } = await server.createPartner();
    const created: string[] = [];
    for (let i = 1; i <= 5; i++) created.push((await createOrg(apiKey, { name: `Paged ${i}` })).id);

    const defaults = await list(apiKey);
    expect(defaults).toMatchObject({ total: 5, page: 1, pageSize: 20 });
    expect(defaults.organizations.map((o) => o.id)).toEqual([...created].reverse());

    const pages = [];
    for (const page of [1, 2, 3]) {
      const body = await list(apiKey, `?page=${page}&pageSize=2`);
      expect(body).toMatchObject({ total: 5, page, pageSize: 2 });
      pages.push(body.organizations.map((o) => o.id));
    }
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual([...created].reverse());

    const beyond = await list(apiKey, '?page=4&pageSize=2');
    expect(beyond).toEqual({ organizations: [], total: 5, page: 4, pageSize: 2 });
  });

  it('sorts by name (without case) or by creation, either way, paging without overlap', async () => {
    const { apiKey } = await server.createPartner();
    for (const name of ['beta', 'Alpha', 'gamma', 'alpha']) await createOrg(apiKey, { name });
    const names = async (query: string) =>
      (await list(apiKey, query)).organizations.map((o) => o.name);
    expect(await names('?sort=createdAt')).toEqual(['beta', 'Alpha', 'gamma', 'alpha']);
    expect(await names('?sort=-createdAt')).toEqual(['alpha', 'gamma', 'Alpha', 'beta']);
    const byName = await names('?sort=name');
    expect(byName.map((n) => n.toLowerCase())).toEqual(['alpha', 'alpha', 'beta', 'gamma']);
    expect([
      ...(await names('?sort=name&pageSize=2')),
      ...(await names('?sort=name&pageSize=2&page=2')),
    ]).toEqual(byName);
    expect(await names('?sort=-name')).toEqual([...byName].reverse());
    expectInvalid(await server.request('GET', `${ORGS}?sort=credits`, { apiKey }), 'sort');
  });

  it('filters by status, tier, search (case-insensitive, literal) and externalId; totals follow the filter', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const alpha = await createOrg(apiKey, {
      name: 'Alpha Widgets',
      externalId: 'ext-alpha',
      tier: 'paid',
    });
    const beta = await createOrg(apiKey, { name: 'Beta widgets', externalId: 'ext-beta' });
    const gamma = await createOrg(apiKey, { name: 'Gamma 100% Gadgets' });
    expect(
      (
        await server.request('PUT', `${ORGS}/${beta.id}/status`, {
          apiKey,
          body: { enabled: false },
        })
      ).status,
    ).toBe(200);
    expect((await server.request('DELETE', `${ORGS}/${gamma.id}`, { apiKey })).status).toBe(204);

    const ids = (body: { organizations: { id: string }[] }) => body.organizations.map((o) => o.id);
    const active = await list(apiKey, '?status=active');
    expect([ids(active), active.total]).toEqual([[alpha.id], 1]);
    const suspended = await list(apiKey, '?status=suspended');
    expect([ids(suspended), suspended.total]).toEqual([[beta.id], 1]);
    const canceled = await list(apiKey, '?status=canceled');
    expect([ids(canceled), canceled.total]).toEqual([[gamma.id], 1]);

    const paid = await list(apiKey, '?tier=paid');
    expect([ids(paid), paid.total]).toEqual([[alpha.id], 1]);
    const trial = await list(apiKey, '?tier=trial');
    expect(ids(trial).sort()).toEqual([beta.id, gamma.id].sort());
    expect(trial.total).toBe(2);

    const widgets = await list(apiKey, '?search=WIDGETS');
    expect(ids(widgets).sort()).toEqual([alpha.id, beta.id].sort());
    expect(widgets.total).toBe(2);
    // `%` is a literal character, not a wildcard.
    const percent = await list(apiKey, `?search=${encodeURIComponent('%')}`);
    expect([ids(percent), percent.total]).toEqual([[gamma.id], 1]);
    const none = await list(apiKey, '?search=nothing-like-this');
    expect(none).toMatchObject({ organizations: [], total: 0 });

    const byExternal = await list(apiKey, '?externalId=ext-beta');
    expect([ids(byExternal), byExternal.total]).toEqual([[beta.id], 1]);
    const combined = await list(
      apiKey,
      '?search=widgets&status=active&tier=paid&externalId=ext-alpha',
    );
    expect([ids(combined), combined.total]).toEqual([[alpha.id], 1]);
  });

  it.each([
    ['?page=0', 'page'],
    ['?page=abc', 'page'],
    ['?pageSize=0', 'pageSize'],
    ['?pageSize=101', 'pageSize'],
    ['?status=deleted', 'status'],
    ['?tier=gold', 'tier'],
  ])('rejects %s with 400', async (query, field) => {
    const { apiKey } = await server.createPartner();
    expectInvalid(await server.request('GET', `${ORGS}${query}`, { apiKey }), field);
  });

  it('rejects an unknown query parameter with 400', async () => {
    const { apiKey } = await server.createPartner();
    const response = await server.request('GET', `${ORGS}?color=blue`, { apiKey });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
    expect(response.body.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'unrecognized_keys', keys: ['color'] }),
      ]),
    );
  });
});

describe('authentication', () => {
  it('answers 401 unauthorized without a key, with an unknown key, and with the operator token', async () => {
    const { apiKey } = await server.createPartner();
    const org = await createOrg(apiKey, { name: 'Guarded' });
    const attempts: [string, string, Record<string, unknown>][] = [
      ['GET', ORGS, {}],
      ['POST', ORGS, { body: { name: 'X' } }],
      ['GET', `${ORGS}/${org.id}`, {}],
      ['PUT', `${ORGS}/${org.id}`, { body: { name: 'X' } }],
      ['DELETE', `${ORGS}/${org.id}`, {}],
      ['PUT', `${ORGS}/${org.id}/credits`, { body: { credits: 1 } }],
    ];
    for (const [method, path, options] of attempts) {
      expectError(await server.request(method, path, options), 401, 'unauthorized');
      expectError(
        await server.request(method, path, { ...options, apiKey: 'allot_sk_not-a-real-key' }),
        401,
        'unauthorized',
      );
      expectError(
        await server.request(method, path, { ...options, apiKey: 'garbage' }),
        401,
        'unauthorized',
      );
      expectError(
        await server.request(method, path, { ...options, operator: true }),
        401,
        'unauthorized',
      );
    }
    // Nothing happened to the organization.
    const after = await getOrg(apiKey, org.id);
    expect(after).toEqual(org);
    expect((await list(apiKey)).total).toBe(1);
  });
});

describe('GET/PUT/DELETE /partner/organizations/{id} lookups', () => {
  it('answers 404 not_found for an unknown organization id on every organization route', async () => {
    const { apiKey } = await server.createPartner();
    const id = randomUUID();
    const attempts: [string, string, unknown][] = [
      ['GET', `${ORGS}/${id}`, undefined],
      ['PUT', `${ORGS}/${id}`, { name: 'X' }],
      ['DELETE', `${ORGS}/${id}`, undefined],
      ['PUT', `${ORGS}/${id}/status`, { enabled: true }],
      ['PUT', `${ORGS}/${id}/tier`, { tier: 'paid' }],
      ['PUT', `${ORGS}/${id}/billing`, { creditAllowance: 1 }],
      ['PUT', `${ORGS}/${id}/credits`, { credits: 1 }],
    ];
    for (const [method, path, body] of attempts) {
      expectError(await server.request(method, path, { apiKey, body }), 404, 'not_found');
    }
    await expectPool(apiKey, 1000, 0);
  });

  it('answers 400 invalid_request, naming organizationId, for a malformed id', async () => {
    const { apiKey } = await server.createPartner();
    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['PUT', '', { name: 'X' }],
      ['DELETE', '', undefined],
      ['PUT', '/credits', { credits: 1 }],
    ] as const) {
      expectInvalid(
        await server.request(method, `${ORGS}/not-a-uuid${suffix}`, { apiKey, body }),
        'organizationId',
      );
    }
    // SQL-ish garbage is just another malformed id.
    expectInvalid(
      await server.request('GET', `${ORGS}/${encodeURIComponent("1' OR '1'='1")}`, { apiKey }),
      'organizationId',
    );
  });
});

describe('PUT /partner/organizations/{id}', () => {
  it('updates name and externalId, replaces metadata, and keeps everything else', async () => {
    const { apiKey } = await server.createPartner();
    const before = await createOrg(apiKey, {
      name: 'Old',
      externalId: 'old-id',
      metadata: { a: 1, b: 'x' },
      initialCredits: 100,
    });
    const response = await server.request('PUT', `${ORGS}/${before.id}`, {
      apiKey,
      body: { name: 'New name', externalId: 'new-id', metadata: { c: true } },
    });
    expect(response.status).toBe(200);
    const after = response.body.organization;
    expect(after).toEqual({
      ...before,
      name: 'New name',
      externalId: 'new-id',
      partnerMetadata: { externalId: 'new-id' },
      metadata: { c: true },
      updatedAt: after.updatedAt,
    });
    expect(Date.parse(after.updatedAt)).toBeGreaterThanOrEqual(Date.parse(before.updatedAt));
    expect(await getOrg(apiKey, before.id)).toEqual(after);
    expect((await list(apiKey, '?externalId=new-id')).organizations.map((o) => o.id)).toEqual([
      before.id,
    ]);
    expect((await list(apiKey, '?externalId=old-id')).total).toBe(0);

    const cleared = await server.request('PUT', `${ORGS}/${before.id}`, {
      apiKey,
      body: { externalId: null },
    });
    expect(cleared.status).toBe(200);
    expect(cleared.body.organization).toMatchObject({
      externalId: null,
      partnerMetadata: { externalId: null },
      name: 'New name',
    });
  });

  it('sets credits under the same rules as PUT credits: raising draws, lowering returns, beyond the pool is 422', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const org = await createOrg(apiKey, {
      name: 'Credits via update',
      tier: 'paid',
      initialCredits: 100,
    });
    await expectPool(apiKey, 1000, 100);

    const raised = await server.request('PUT', `${ORGS}/${org.id}`, {
      apiKey,
      body: { credits: 700 },
    });
    expect(raised.status).toBe(200);
    expect(raised.body.organization).toMatchObject({ credits: 700, creditsRemaining: 700 });
    await expectPool(apiKey, 1000, 700);

    const lowered = await server.request('PUT', `${ORGS}/${org.id}`, {
      apiKey,
      body: { credits: 300 },
    });
    expect(lowered.body.organization.credits).toBe(300);
    await expectPool(apiKey, 1000, 300);

    // One request, one outcome: a refused allocation takes the rename down with it.
    const refused = await server.request('PUT', `${ORGS}/${org.id}`, {
      apiKey,
      body: { name: 'Renamed', credits: 1001 },
    });
    expectError(refused, 422, 'insufficient_pool_credits');
    expect(await getOrg(apiKey, org.id)).toMatchObject({
      name: 'Credits via update',
      credits: 300,
    });
    await expectPool(apiKey, 1000, 300);
  });

  it('applies the trial cap to credits set through update', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const org = await createOrg(apiKey, { name: 'Trial', initialCredits: 100 });
    expectError(
      await server.request('PUT', `${ORGS}/${org.id}`, { apiKey, body: { credits: 501 } }),
      422,
      'trial_cap_exceeded',
    );
    expect((await getOrg(apiKey, org.id)).credits).toBe(100);
    await expectPool(apiKey, 1000, 100);
  });

  it('answers 409 when the new externalId belongs to another organization of the partner', async () => {
    const { apiKey } = await server.createPartner();
    await createOrg(apiKey, { name: 'Holder', externalId: 'taken' });
    const mover = await createOrg(apiKey, { name: 'Mover', externalId: 'mine' });
    const response = await server.request('PUT', `${ORGS}/${mover.id}`, {
      apiKey,
      body: { externalId: 'taken', name: 'Moved' },
    });
    expectError(response, 409, 'external_id_taken');
    expect(await getOrg(apiKey, mover.id)).toEqual(mover);
  });

  it.each([
    [{ name: '' }, 'name'],
    [{ credits: -5 }, 'credits'],
    [{ metadata: 'not an object' }, 'metadata'],
    [{ tier: 'paid' }, ''],
  ])('rejects %j with 400', async (body, field) => {
    const { apiKey } = await server.createPartner();
    const org = await createOrg(apiKey, { name: 'Stable' });
    const response = await server.request('PUT', `${ORGS}/${org.id}`, { apiKey, body });
    if (field) expectInvalid(response, field);
    else {
      // `tier` has its own route; PUT on the organization does not take it.
      expect(response.status).toBe(400);
      expect(response.body.error.details).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ code: 'unrecognized_keys', keys: ['tier'] }),
        ]),
      );
    }
    expect(await getOrg(apiKey, org.id)).toEqual(org);
  });
});

describe('DELETE and PUT status', () => {
  it('soft-deletes: 204, then canceled but readable and listable; enabling restores it to active', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const org = await createOrg(apiKey, {
      name: 'Doomed',
      externalId: 'doomed',
      initialCredits: 200,
      metadata: { keep: 'me' },
    });

    const removed = await server.request('DELETE', `${ORGS}/${org.id}`, { apiKey });
    expect(removed.status).toBe(204);
    expect(removed.body).toBeUndefined();

    // Its data stays; its unspent allocation went back to the pool.
    const canceled = await getOrg(apiKey, org.id);
    expect(canceled).toEqual({
      ...org,
      status: 'canceled',
      credits: 0,
      creditsRemaining: 0,
      updatedAt: canceled.updatedAt,
    });
    await expectPool(apiKey, 1000, 0);
    expect((await list(apiKey, '?status=canceled')).organizations.map((o) => o.id)).toEqual([
      org.id,
    ]);
    expect((await list(apiKey, '?status=active')).total).toBe(0);
    expect((await list(apiKey)).total).toBe(1);

    // Deleting again changes nothing and still answers 204.
    expect((await server.request('DELETE', `${ORGS}/${org.id}`, { apiKey })).status).toBe(204);
    // A canceled organization is not handed credits.
    expectError(
      await server.request('PUT', `${ORGS}/${org.id}/credits`, { apiKey, body: { credits: 300 } }),
      422,
      'organization_canceled',
    );
    // Disabling a canceled organization does not "un-cancel" it into suspended.
    const stillCanceled = await server.request('PUT', `${ORGS}/${org.id}/status`, {
      apiKey,
      body: { enabled: false },
    });
    expect(stillCanceled.status).toBe(200);
    expect(stillCanceled.body.organization.status).toBe('canceled');

    const restored = await server.request('PUT', `${ORGS}/${org.id}/status`, {
      apiKey,
      body: { enabled: true },
    });
    expect(restored.status).toBe(200);
    // Restored with nothing left of the allocation its deletion gave back.
    expect(restored.body.organization).toEqual({
      ...org,
      status: 'active',
      credits: 0,
      creditsRemaining: 0,
      updatedAt: restored.body.organization.updatedAt,
    });
    expect((await list(apiKey, '?status=active')).organizations.map((o) => o.id)).toEqual([org.id]);
  });

  it('enabled:false suspends, enabled:true reactivates, nothing else changes', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const org = await createOrg(apiKey, { name: 'Switch', initialCredits: 50 });
    const suspended = await server.request('PUT', `${ORGS}/${org.id}/status`, {
      apiKey,
      body: { enabled: false },
    });
    expect(suspended.status).toBe(200);
    expect(suspended.body.organization).toEqual({
      ...org,
      status: 'suspended',
      updatedAt: suspended.body.organization.updatedAt,
    });
    expect((await getOrg(apiKey, org.id)).status).toBe('suspended');
    await expectPool(apiKey, 1000, 50);

    const active = await server.request('PUT', `${ORGS}/${org.id}/status`, {
      apiKey,
      body: { enabled: true },
    });
    expect(active.body.organization.status).toBe('active');
  });

  it.each([[{}], [{ enabled: 'yes' }], [{ enabled: 1 }], [{ status: 'active' }]])(
    'rejects status body %j with 400',
    async (body) => {
      const { apiKey } = await server.createPartner();
      const org = await createOrg(apiKey, { name: 'Stable' });
      const response = await server.request('PUT', `${ORGS}/${org.id}/status`, { apiKey, body });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('invalid_request');
      expect(Array.isArray(response.body.error.details)).toBe(true);
      expect((await getOrg(apiKey, org.id)).status).toBe('active');
    },
  );
});

describe('PUT tier', () => {
  it('upgrades to paid, lifting the trial cap', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const org = await createOrg(apiKey, { name: 'Grower', initialCredits: 500 });
    expectError(
      await server.request('PUT', `${ORGS}/${org.id}/credits`, { apiKey, body: { credits: 600 } }),
      422,
      'trial_cap_exceeded',
    );

    const paid = await server.request('PUT', `${ORGS}/${org.id}/tier`, {
      apiKey,
      body: { tier: 'paid' },
    });
    expect(paid.status).toBe(200);
    expect(paid.body.organization).toEqual({
      ...org,
      tier: 'paid',
      updatedAt: paid.body.organization.updatedAt,
    });

    const more = await server.request('PUT', `${ORGS}/${org.id}/credits`, {
      apiKey,
      body: { credits: 600 },
    });
    expect(more.status).toBe(200);
    expect(more.body.organization.credits).toBe(600);
    await expectPool(apiKey, 1000, 600);
  });

  it('refuses to downgrade a paid organization holding 600 credits to trial (422 trial_cap_exceeded)', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const org = await createOrg(apiKey, { name: 'Big spender', tier: 'paid', initialCredits: 600 });
    const response = await server.request('PUT', `${ORGS}/${org.id}/tier`, {
      apiKey,
      body: { tier: 'trial' },
    });
    expectError(response, 422, 'trial_cap_exceeded');
    expect(await getOrg(apiKey, org.id)).toEqual(org);
    await expectPool(apiKey, 1000, 600);
  });

  it('downgrades to trial once both allocation and allowance are within the cap', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const org = await createOrg(apiKey, { name: 'Shrinking', tier: 'paid', initialCredits: 400 });
    const trial = await server.request('PUT', `${ORGS}/${org.id}/tier`, {
      apiKey,
      body: { tier: 'trial' },
    });
    expect(trial.status).toBe(200);
    expect(trial.body.organization).toMatchObject({ tier: 'trial', credits: 400 });
  });

  it('refuses a downgrade that pending grants would take past the cap, as a new grant would be', async () => {
    const { apiKey } = await server.createPartner({ billingMode: 'external' });
    const org = await createOrg(apiKey, {
      name: 'Booked ahead',
      tier: 'paid',
      initialCredits: 300,
    });
    // Not spendable yet, but held: the trial cap counts it.
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    const granted = await server.request('POST', `${ORGS}/${org.id}/credits/grants`, {
      apiKey,
      body: { amount: 300, effectiveAt: tomorrow, reason: 'Next quarter, paid ahead' },
    });
    expect(granted.status).toBe(201);
    const before = await getOrg(apiKey, org.id);
    expectError(
      await server.request('PUT', `${ORGS}/${org.id}/tier`, { apiKey, body: { tier: 'trial' } }),
      422,
      'trial_cap_exceeded',
    );
    expect(await getOrg(apiKey, org.id)).toEqual(before);
  });

  it('rejects an unknown tier with 400', async () => {
    const { apiKey } = await server.createPartner();
    const org = await createOrg(apiKey, { name: 'Stable' });
    expectInvalid(
      await server.request('PUT', `${ORGS}/${org.id}/tier`, {
        apiKey,
        body: { tier: 'enterprise' },
      }),
      'tier',
    );
    expect((await getOrg(apiKey, org.id)).tier).toBe('trial');
  });
});

describe('PUT billing', () => {
  it('changes period, billing day and allowance; the current allocation is kept', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 5000 });
    const org = await createOrg(apiKey, { name: 'Billed', tier: 'paid', initialCredits: 300 });
    const response = await server.request('PUT', `${ORGS}/${org.id}/billing`, {
      apiKey,
      body: { billingPeriod: 'quarterly', billingDayOfMonth: 15, creditAllowance: 2000 },
    });
    expect(response.status).toBe(200);
    const updated = response.body.organization;
    expect(updated).toMatchObject({
      billingPeriod: 'quarterly',
      billingDayOfMonth: 15,
      creditAllowance: 2000,
      credits: 300,
    });
    const start = new Date(updated.currentPeriod.start);
    const end = new Date(updated.currentPeriod.end);
    expect(start.getUTCDate()).toBe(15);
    expect(end.getUTCDate()).toBe(15);
    expect(
      end.getUTCFullYear() * 12 +
        end.getUTCMonth() -
        (start.getUTCFullYear() * 12 + start.getUTCMonth()),
    ).toBe(3);
    expect(start.getTime()).toBeLessThanOrEqual(Date.now());
    expect(end.getTime()).toBeGreaterThan(Date.now());
    expect(await getOrg(apiKey, org.id)).toEqual(updated);
    // The allowance applies from the next period: nothing is drawn now.
    await expectPool(apiKey, 5000, 300);

    const annual = await server.request('PUT', `${ORGS}/${org.id}/billing`, {
      apiKey,
      body: { billingPeriod: 'annual' },
    });
    expect(annual.body.organization).toMatchObject({
      billingPeriod: 'annually',
      billingDayOfMonth: 15,
      creditAllowance: 2000,
    });
  });

  it('refuses a trial allowance above 500 with 422 and validates the fields with 400', async () => {
    const { apiKey } = await server.createPartner();
    const org = await createOrg(apiKey, { name: 'Trial billing', initialCredits: 100 });
    expectError(
      await server.request('PUT', `${ORGS}/${org.id}/billing`, {
        apiKey,
        body: { creditAllowance: 501 },
      }),
      422,
      'trial_cap_exceeded',
    );
    expectInvalid(
      await server.request('PUT', `${ORGS}/${org.id}/billing`, {
        apiKey,
        body: { billingDayOfMonth: 29 },
      }),
      'billingDayOfMonth',
    );
    expectInvalid(
      await server.request('PUT', `${ORGS}/${org.id}/billing`, {
        apiKey,
        body: { billingPeriod: 'daily' },
      }),
      'billingPeriod',
    );
    expectInvalid(
      await server.request('PUT', `${ORGS}/${org.id}/billing`, {
        apiKey,
        body: { creditAllowance: -1 },
      }),
      'creditAllowance',
    );
    expect(await getOrg(apiKey, org.id)).toEqual(org);
  });
});

describe('PUT credits', () => {
  it('raising draws from the pool, lowering returns to it, and the pool always balances', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const one = await createOrg(apiKey, { name: 'One', tier: 'paid', initialCredits: 200 });
    const two = await createOrg(apiKey, { name: 'Two', tier: 'paid' });
    await expectPool(apiKey, 1000, 200);

    const steps: [string, number, number][] = [
      [one.id, 500, 500],
      [two.id, 300, 800],
      [one.id, 100, 400],
      [two.id, 900, 1000],
      [two.id, 0, 100],
    ];
    for (const [id, credits, allocated] of steps) {
      const response = await server.request('PUT', `${ORGS}/${id}/credits`, {
        apiKey,
        body: { credits },
      });
      expect(response.status).toBe(200);
      expect(response.body.organization).toMatchObject({
        id,
        credits,
        creditsUsed: 0,
        creditsRemaining: credits,
      });
      await expectPool(apiKey, 1000, allocated);
    }
  });

  it('answers 422 insufficient_pool_credits past what the pool has left, changing nothing', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const one = await createOrg(apiKey, { name: 'One', tier: 'paid', initialCredits: 700 });
    const two = await createOrg(apiKey, { name: 'Two', tier: 'paid', initialCredits: 100 });
    const response = await server.request('PUT', `${ORGS}/${two.id}/credits`, {
      apiKey,
      body: { credits: 301 },
    });
    expectError(response, 422, 'insufficient_pool_credits');
    expect(await getOrg(apiKey, two.id)).toEqual(two);
    await expectPool(apiKey, 1000, 800);
    // Raising by exactly what is left is allowed.
    expect(
      (await server.request('PUT', `${ORGS}/${two.id}/credits`, { apiKey, body: { credits: 300 } }))
        .status,
    ).toBe(200);
    await expectPool(apiKey, 1000, 1000);
    expectError(
      await server.request('PUT', `${ORGS}/${one.id}/credits`, { apiKey, body: { credits: 701 } }),
      422,
      'insufficient_pool_credits',
    );
  });

  it('answers 422 trial_cap_exceeded past 500 for a trial organization', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const org = await createOrg(apiKey, { name: 'Trial', initialCredits: 100 });
    expectError(
      await server.request('PUT', `${ORGS}/${org.id}/credits`, { apiKey, body: { credits: 501 } }),
      422,
      'trial_cap_exceeded',
    );
    expect(
      (await server.request('PUT', `${ORGS}/${org.id}/credits`, { apiKey, body: { credits: 500 } }))
        .status,
    ).toBe(200);
    await expectPool(apiKey, 1000, 500);
  });

  it('answers 422 below_consumed when lowering under what was consumed this period', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const org = await createOrg(apiKey, { name: 'Consumer', tier: 'paid', initialCredits: 400 });
    expect(
      await services.consumeCredits(server.db, { organizationId: org.id, amount: 250 }, new Date()),
    ).toMatchObject({ granted: true, charged: 250, overage: 0 });
    const consumed = await getOrg(apiKey, org.id);
    expect(consumed).toMatchObject({ credits: 400, creditsUsed: 250, creditsRemaining: 150 });

    expectError(
      await server.request('PUT', `${ORGS}/${org.id}/credits`, { apiKey, body: { credits: 249 } }),
      422,
      'below_consumed',
    );
    expectError(
      await server.request('PUT', `${ORGS}/${org.id}`, { apiKey, body: { credits: 0 } }),
      422,
      'below_consumed',
    );
    expect(await getOrg(apiKey, org.id)).toEqual(consumed);
    await expectPool(apiKey, 1000, 400);

    // Down to exactly what was consumed is fine, and the unused rest goes back to the pool.
    const exact = await server.request('PUT', `${ORGS}/${org.id}/credits`, {
      apiKey,
      body: { credits: 250 },
    });
    expect(exact.status).toBe(200);
    expect(exact.body.organization).toMatchObject({
      credits: 250,
      creditsUsed: 250,
      creditsRemaining: 0,
    });
    await expectPool(apiKey, 1000, 250);
  });

  it.each([[{}], [{ credits: -1 }], [{ credits: 2.5 }], [{ credits: '100' }], [{ credits: 1e13 }]])(
    'rejects %j with 400',
    async (body) => {
      const { apiKey } = await server.createPartner();
      const org = await createOrg(apiKey, { name: 'Stable', initialCredits: 10 });
      expectInvalid(
        await server.request('PUT', `${ORGS}/${org.id}/credits`, { apiKey, body }),
        'credits',
      );
      expect(await getOrg(apiKey, org.id)).toEqual(org);
      await expectPool(apiKey, 1000, 10);
    },
  );
});
