import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OPERATOR_TOKEN, startTestServer, type TestServer } from './harness.ts';
import { expectError, expectInvalid } from './expect-errors.ts';
import { startServerProcess, type ServerProcess } from './processes.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const PARTNERS = '/operator/partners';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function onboard(body: Record<string, unknown>) {
  const response = await server.request('POST', PARTNERS, { operator: true, body });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as {
    partner: { id: string; name: string; poolCredits: number };
    apiKey: string;
  };
}

async function partnerCanRead(apiKey: string) {
  return (await server.request('GET', '/partner/organizations', { apiKey })).status;
}

describe('POST /operator/partners', () => {
  it('onboards a partner and shows its API key once', async () => {
    const before = Date.now();
    const response = await server.request('POST', PARTNERS, {
      operator: true,
      body: {
        name: 'Agency One',
        billingMode: 'credit_pool',
        billingPeriod: 'quarterly',
        billingDayOfMonth: 5,
        poolCredits: 2500,
      },
    });
    expect(response.status).toBe(201);
    expect(Object.keys(response.body).sort()).toEqual(['apiKey', 'partner']);
    expect(response.body.partner).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      name: 'Agency One',
      billingMode: 'credit_pool',
      billingPeriod: 'quarterly',
      billingDayOfMonth: 5,
      poolCredits: 2500,
      createdAt: expect.any(String),
    });
    expect(Date.parse(response.body.partner.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(response.body.apiKey).toMatch(/^allot_sk_[A-Za-z0-9_-]{40,}$/);

    // The key works at once, and the partner sees the pool it was sold.
    const billing = await server.request('GET', '/partner/billing', {
      apiKey: response.body.apiKey,
    });
    expect(billing.status).toBe(200);
    expect(billing.body).toMatchObject({
      billingMode: 'credit_pool',
      billingPeriod: 'quarterly',
      billingDayOfMonth: 5,
      creditPoolTotal: 2500,
    });
  });

  it('defaults billingDayOfMonth to 1 and poolCredits to 0, and answers annual as annually', async () => {
    const { partner } = await onboard({
      name: 'Defaults',
      billingMode: 'external',
      billingPeriod: 'annual',
    });
    expect(partner).toMatchObject({
      name: 'Defaults',
      billingMode: 'external',
      billingPeriod: 'annually',
      billingDayOfMonth: 1,
      poolCredits: 0,
    });
  });

  it('issues a different key to every partner', async () => {
    const a = await onboard({ name: 'A', billingMode: 'usage_based', billingPeriod: 'monthly' });
    const b = await onboard({ name: 'B', billingMode: 'usage_based', billingPeriod: 'monthly' });
    expect(a.apiKey).not.toBe(b.apiKey);
    expect(a.partner.id).not.toBe(b.partner.id);
  });

  it('answers 401 without a bearer token, with a wrong one, and with a partner key', async () => {
    const { apiKey } = await server.createPartner();
    const body = {
      name: 'Sneaky',
      billingMode: 'credit_pool',
      billingPeriod: 'monthly',
      poolCredits: 1_000_000,
    };
    const count = async () =>
      (
        await server.db
          .selectFrom('partners')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n;
    const partnersBefore = await count();
    expectError(await server.request('POST', PARTNERS, { body }), 401, 'unauthorized');
    expectError(
      await server.request('POST', PARTNERS, { body, headers: bearer('wrong-token') }),
      401,
      'unauthorized',
    );
    expectError(
      await server.request('POST', PARTNERS, { body, headers: bearer(`${OPERATOR_TOKEN}x`) }),
      401,
      'unauthorized',
    );
    expectError(
      await server.request('POST', PARTNERS, { body, headers: { authorization: OPERATOR_TOKEN } }),
      401,
      'unauthorized',
    );
    expectError(await server.request('POST', PARTNERS, { body, apiKey }), 401, 'unauthorized');
    expect(await count()).toBe(partnersBefore);
    expectError(
      await server.request('GET', PARTNERS, { headers: bearer('wrong-token') }),
      401,
      'unauthorized',
    );
  });

  it.each([
    [{ billingMode: 'credit_pool', billingPeriod: 'monthly' }, 'name'],
    [{ name: '', billingMode: 'credit_pool', billingPeriod: 'monthly' }, 'name'],
    [{ name: 'X', billingPeriod: 'monthly' }, 'billingMode'],
    [{ name: 'X', billingMode: 'prepaid', billingPeriod: 'monthly' }, 'billingMode'],
    [{ name: 'X', billingMode: 'credit_pool' }, 'billingPeriod'],
    [
      { name: 'X', billingMode: 'credit_pool', billingPeriod: 'monthly', billingDayOfMonth: 29 },
      'billingDayOfMonth',
    ],
    [
      { name: 'X', billingMode: 'credit_pool', billingPeriod: 'monthly', poolCredits: -1 },
      'poolCredits',
    ],
    [
      { name: 'X', billingMode: 'credit_pool', billingPeriod: 'monthly', poolCredits: 10.5 },
      'poolCredits',
    ],
  ])('rejects %j with 400 naming %s', async (body, field) => {
    const { body: listed } = await server.request('GET', PARTNERS, { operator: true });
    expectInvalid(await server.request('POST', PARTNERS, { operator: true, body }), field);
    const { body: after } = await server.request('GET', PARTNERS, { operator: true });
    expect(after.total).toBe(listed.total);
  });
});

describe('GET /operator/partners', () => {
  it('lists every partner with its billing, oldest first', async () => {
    const first = await onboard({
      name: 'Listed 1',
      billingMode: 'credit_pool',
      billingPeriod: 'monthly',
      poolCredits: 10,
    });
    const second = await onboard({
      name: 'Listed 2',
      billingMode: 'external',
      billingPeriod: 'quarterly',
      billingDayOfMonth: 28,
    });
    const response = await server.request('GET', `${PARTNERS}?pageSize=100`, { operator: true });
    expect(response.status).toBe(200);
    const partners = response.body.partners as { id: string }[];
    const ids = partners.map((p) => p.id);
    expect(ids.indexOf(first.partner.id)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(second.partner.id)).toBeGreaterThan(ids.indexOf(first.partner.id));
    expect(partners.find((p) => p.id === second.partner.id)).toEqual({
      ...second.partner,
      billingMode: 'external',
      billingPeriod: 'quarterly',
      billingDayOfMonth: 28,
    });
    // The list never carries key material.
    expect(JSON.stringify(response.body)).not.toContain('allot_sk_');
  });

  it('pages like the organizations list: page, pageSize (default 20, at most 100), total', async () => {
    for (let i = 0; i < 3; i += 1)
      await onboard({ name: `Paged ${i}`, billingMode: 'external', billingPeriod: 'monthly' });
    const all = await server.request('GET', `${PARTNERS}?pageSize=100`, { operator: true });
    const total = all.body.total as number;
    expect(total).toBeGreaterThanOrEqual(3);
    expect(all.body.partners).toHaveLength(Math.min(total, 100));
    const defaults = await server.request('GET', PARTNERS, { operator: true });
    expect(defaults.body).toMatchObject({ total, page: 1, pageSize: 20 });
    expect(defaults.body.partners).toHaveLength(Math.min(total, 20));

    // Page by page, oldest first, every partner exactly once.
    const seen: string[] = [];
    for (let page = 1; page <= Math.ceil(total / 2); page += 1) {
      const response = await server.request('GET', `${PARTNERS}?page=${page}&pageSize=2`, {
        operator: true,
      });
      expect(response.body).toMatchObject({ total, page, pageSize: 2 });
      seen.push(...response.body.partners.map((p: { id: string }) => p.id));
    }
    expect(seen).toEqual(all.body.partners.map((p: { id: string }) => p.id));
    const beyond = await server.request('GET', `${PARTNERS}?page=1000&pageSize=2`, {
      operator: true,
    });
    expect(beyond.body).toEqual({ partners: [], total, page: 1000, pageSize: 2 });

    for (const [query, field] of [
      ['page=0', 'page'],
      ['pageSize=0', 'pageSize'],
      ['pageSize=101', 'pageSize'],
      ['pageSize=ten', 'pageSize'],
    ] as const)
      expectInvalid(await server.request('GET', `${PARTNERS}?${query}`, { operator: true }), field);
    // `limit` is not how this list pages: a 400 naming it, not a whole list.
    const limit = await server.request('GET', `${PARTNERS}?limit=1`, { operator: true });
    expectError(limit, 400, 'invalid_request');
    expect(limit.body.error.message).toContain('limit');
  });
});

describe('PUT /operator/partners/{id}/billing', () => {
  it('raises the pool, visible to the partner at once', async () => {
    const { partner, apiKey } = await server.createPartner({ poolCredits: 1000 });
    const org = await server.request('POST', '/partner/organizations', {
      apiKey,
      body: { name: 'Org', tier: 'paid', initialCredits: 1000 },
    });
    expect(org.status).toBe(201);
    expectError(
      await server.request('PUT', `/partner/organizations/${org.body.organization.id}/credits`, {
        apiKey,
        body: { credits: 1500 },
      }),
      422,
      'insufficient_pool_credits',
    );

    const raised = await server.request('PUT', `${PARTNERS}/${partner.id}/billing`, {
      operator: true,
      body: { poolCredits: 2000 },
    });
    expect(raised.status).toBe(200);
    expect(raised.body.partner).toMatchObject({
      id: partner.id,
      poolCredits: 2000,
      billingMode: 'credit_pool',
    });
    const billing = await server.request('GET', '/partner/billing', { apiKey });
    expect(billing.body).toMatchObject({
      creditPoolTotal: 2000,
      creditsAllocated: 1000,
      creditsUnallocated: 1000,
    });

    const more = await server.request(
      'PUT',
      `/partner/organizations/${org.body.organization.id}/credits`,
      { apiKey, body: { credits: 1500 } },
    );
    expect(more.status).toBe(200);
    expect((await server.request('GET', '/partner/billing', { apiKey })).body).toMatchObject({
      creditPoolTotal: 2000,
      creditsAllocated: 1500,
      creditsUnallocated: 500,
    });
  });

  it('refuses to lower the pool below what is allocated (422 pool_below_allocated) and allows down to it', async () => {
    const { partner, apiKey } = await server.createPartner({ poolCredits: 1000 });
    expect(
      (
        await server.request('POST', '/partner/organizations', {
          apiKey,
          body: { name: 'Org', initialCredits: 400 },
        })
      ).status,
    ).toBe(201);

    const refused = await server.request('PUT', `${PARTNERS}/${partner.id}/billing`, {
      operator: true,
      body: { poolCredits: 399 },
    });
    expectError(refused, 422, 'pool_below_allocated');
    expect((await server.request('GET', '/partner/billing', { apiKey })).body).toMatchObject({
      creditPoolTotal: 1000,
      creditsAllocated: 400,
    });
    const listed = (
      await server.request('GET', `${PARTNERS}?pageSize=100`, { operator: true })
    ).body.partners.find((p: { id: string }) => p.id === partner.id);
    expect(listed.poolCredits).toBe(1000);

    const exact = await server.request('PUT', `${PARTNERS}/${partner.id}/billing`, {
      operator: true,
      body: { poolCredits: 400 },
    });
    expect(exact.status).toBe(200);
    expect((await server.request('GET', '/partner/billing', { apiKey })).body).toMatchObject({
      creditPoolTotal: 400,
      creditsAllocated: 400,
      creditsUnallocated: 0,
    });
  });

  it('changes mode and period; outside credit_pool the partner sees no pool', async () => {
    const { partner, apiKey } = await server.createPartner({ poolCredits: 1000 });
    const response = await server.request('PUT', `${PARTNERS}/${partner.id}/billing`, {
      operator: true,
      body: { billingMode: 'usage_based', billingPeriod: 'annual', billingDayOfMonth: 3 },
    });
    expect(response.status).toBe(200);
    expect(response.body.partner).toMatchObject({
      billingMode: 'usage_based',
      billingPeriod: 'annually',
      billingDayOfMonth: 3,
    });
    expect((await server.request('GET', '/partner/billing', { apiKey })).body).toMatchObject({
      billingMode: 'usage_based',
      billingPeriod: 'annually',
      billingDayOfMonth: 3,
      creditPoolTotal: null,
      creditsAllocated: null,
    });
  });

  it('answers 404 for an unknown partner, 400 for a malformed id or body, 401 without the token', async () => {
    const { partner } = await server.createPartner();
    expectError(
      await server.request('PUT', `${PARTNERS}/${randomUUID()}/billing`, {
        operator: true,
        body: { poolCredits: 5 },
      }),
      404,
      'not_found',
    );
    expectInvalid(
      await server.request('PUT', `${PARTNERS}/not-a-uuid/billing`, {
        operator: true,
        body: { poolCredits: 5 },
      }),
      'partnerId',
    );
    expectInvalid(
      await server.request('PUT', `${PARTNERS}/${partner.id}/billing`, {
        operator: true,
        body: { poolCredits: -5 },
      }),
      'poolCredits',
    );
    expectInvalid(
      await server.request('PUT', `${PARTNERS}/${partner.id}/billing`, {
        operator: true,
        body: { billingMode: 'free' },
      }),
      'billingMode',
    );
    expectError(
      await server.request('PUT', `${PARTNERS}/${partner.id}/billing`, {
        body: { poolCredits: 5 },
      }),
      401,
      'unauthorized',
    );
  });
});

describe('API keys', () => {
  it('issues another key that works, and revoking one stops it at once while the other keeps working', async () => {
    const { partner, apiKey: original } = await server.createPartner();
    const issued = await server.request('POST', `${PARTNERS}/${partner.id}/api-keys`, {
      operator: true,
    });
    expect(issued.status).toBe(201);
    expect(issued.body).toEqual({
      id: expect.any(String),
      apiKey: expect.stringMatching(/^allot_sk_/),
    });
    const second = issued.body as { id: string; apiKey: string };
    expect(second.apiKey).not.toBe(original);

    // Both keys act as the same partner.
    const created = await server.request('POST', '/partner/organizations', {
      apiKey: second.apiKey,
      body: { name: 'Via second key' },
    });
    expect(created.status).toBe(201);
    const seen = await server.request(
      'GET',
      `/partner/organizations/${created.body.organization.id}`,
      { apiKey: original },
    );
    expect(seen.status).toBe(200);

    const revoked = await server.request(
      'DELETE',
      `${PARTNERS}/${partner.id}/api-keys/${second.id}`,
      { operator: true },
    );
    expect(revoked.status).toBe(204);
    expect(revoked.body).toBeUndefined();
    expectError(
      await server.request('GET', '/partner/organizations', { apiKey: second.apiKey }),
      401,
      'unauthorized',
    );
    expectError(
      await server.request('GET', '/partner/billing', { apiKey: second.apiKey }),
      401,
      'unauthorized',
    );
    expectError(
      await server.request('POST', '/partner/organizations', {
        apiKey: second.apiKey,
        body: { name: 'After revoke' },
      }),
      401,
      'unauthorized',
    );
    expect(await partnerCanRead(original)).toBe(200);
    const orgs = await server.request('GET', '/partner/organizations', { apiKey: original });
    expect(orgs.body.organizations.map((o: { name: string }) => o.name)).toEqual([
      'Via second key',
    ]);

    // Revoking again is harmless.
    expect(
      (
        await server.request('DELETE', `${PARTNERS}/${partner.id}/api-keys/${second.id}`, {
          operator: true,
        })
      ).status,
    ).toBe(204);
  });

  it('can revoke the key handed out at onboarding', async () => {
    const { partner, apiKey } = await server.createPartner();
    const row = await server.db
      .selectFrom('api_keys')
      .select('id')
      .where('partner_id', '=', partner.id)
      .executeTakeFirstOrThrow();
    const spare = await server.request('POST', `${PARTNERS}/${partner.id}/api-keys`, {
      operator: true,
    });
    expect(
      (
        await server.request('DELETE', `${PARTNERS}/${partner.id}/api-keys/${row.id}`, {
          operator: true,
        })
      ).status,
    ).toBe(204);
    expect(await partnerCanRead(apiKey)).toBe(401);
    expect(await partnerCanRead(spare.body.apiKey)).toBe(200);
  });

  it("answers 404 for an unknown partner or key, and never revokes another partner's key", async () => {
    const a = await server.createPartner();
    const b = await server.createPartner();
    const aKey = await server.db
      .selectFrom('api_keys')
      .select('id')
      .where('partner_id', '=', a.partner.id)
      .executeTakeFirstOrThrow();

    expectError(
      await server.request('POST', `${PARTNERS}/${randomUUID()}/api-keys`, { operator: true }),
      404,
      'not_found',
    );
    expectError(
      await server.request('DELETE', `${PARTNERS}/${randomUUID()}/api-keys/${aKey.id}`, {
        operator: true,
      }),
      404,
      'not_found',
    );
    expectError(
      await server.request('DELETE', `${PARTNERS}/${a.partner.id}/api-keys/${randomUUID()}`, {
        operator: true,
      }),
      404,
      'not_found',
    );
    // A's key addressed under B is not B's key.
    expectError(
      await server.request('DELETE', `${PARTNERS}/${b.partner.id}/api-keys/${aKey.id}`, {
        operator: true,
      }),
      404,
      'not_found',
    );
    expect(await partnerCanRead(a.apiKey)).toBe(200);
    expectInvalid(
      await server.request('DELETE', `${PARTNERS}/${a.partner.id}/api-keys/nope`, {
        operator: true,
      }),
      'keyId',
    );
    expectInvalid(
      await server.request('POST', `${PARTNERS}/nope/api-keys`, { operator: true }),
      'partnerId',
    );

    expectError(
      await server.request('POST', `${PARTNERS}/${a.partner.id}/api-keys`, { apiKey: a.apiKey }),
      401,
      'unauthorized',
    );
    expectError(
      await server.request('DELETE', `${PARTNERS}/${a.partner.id}/api-keys/${aKey.id}`, {
        apiKey: a.apiKey,
      }),
      401,
      'unauthorized',
    );
    expect(await partnerCanRead(a.apiKey)).toBe(200);
  });

  it('stores no API key in plaintext', async () => {
    const { partner, apiKey } = await server.createPartner();
    const extra = await server.request('POST', `${PARTNERS}/${partner.id}/api-keys`, {
      operator: true,
    });
    const keys = [apiKey, extra.body.apiKey as string];
    const rows = await server.db
      .selectFrom('api_keys')
      .selectAll()
      .where('partner_id', '=', partner.id)
      .execute();
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      for (const value of Object.values(row)) {
        const renderings =
          value instanceof Buffer
            ? [
                value.toString('utf8'),
                value.toString('hex'),
                value.toString('base64'),
                value.toString('base64url'),
              ]
            : [String(value)];
        for (const rendering of renderings) {
          for (const key of keys) {
            expect(rendering).not.toBe(key);
            // Not even most of it: only a short recognisable prefix may be kept.
            expect(rendering.includes(key.slice(0, 20))).toBe(false);
          }
        }
      }
    }
    // And nowhere else in the partner's rows either.
    const partnerRow = await server.db
      .selectFrom('partners')
      .selectAll()
      .where('id', '=', partner.id)
      .executeTakeFirstOrThrow();
    for (const key of keys) expect(JSON.stringify(partnerRow)).not.toContain(key);
  });
});

describe('the operator token in the start banner', () => {
  /** Starts the server on `dataDir` without ALLOT_OPERATOR_TOKEN; answers its banner once stopped. */
  async function bannerOf(dataDir: string, check: (process: ServerProcess) => Promise<void>) {
    const started = await startServerProcess(server.databaseUrl, {
      ALLOT_OPERATOR_TOKEN: '',
      ALLOT_DATA_DIR: dataDir,
    });
    try {
      await vi.waitFor(() => expect(started.output()).toContain('operator token'));
      await check(started);
    } finally {
      const exited = once(started.child, 'exit');
      started.child.kill('SIGTERM');
      await exited;
    }
    return started.output();
  }

  const works = (token: string) => async (started: ServerProcess) => {
    const response = await fetch(`${started.url}${PARTNERS}`, { headers: bearer(token) });
    expect(response.status).toBe(200);
  };

  it('shows a generated token on the start that generated it only; later starts say where it is', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'allot-data-'));
    const file = join(dataDir, 'operator-token');
    try {
      let token = '';
      const first = await bannerOf(dataDir, async (started) => {
        token = (await readFile(file, 'utf8')).trim();
        await works(token)(started);
      });
      expect(token).toMatch(/^allot_op_/);
      expect(first).toContain(token);

      const second = await bannerOf(dataDir, async (started) => works(token)(started));
      expect(second).not.toContain(token);
      expect(second).toContain(`operator token stored in ${file}`);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
