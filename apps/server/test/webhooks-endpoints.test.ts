import { defined } from '@allot/domain';
import type { Db, Tx } from '@allot/db';
import { routes } from '@allot/rest';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectInvalid } from './expect-errors.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { HOOKS } from './paths.ts';

// Endpoints and the fan-out, on a server that allows no http webhooks (production's setting).
// Nothing is sent here: no job worker runs. Public URLs use a documentation address (no DNS).
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const PUBLIC_URL = 'https://93.184.215.10/hooks';

async function createEndpoint(apiKey: string, body: Record<string, unknown> = {}) {
  const response = await server.request('POST', HOOKS, {
    apiKey,
    body: { url: PUBLIC_URL, ...body },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { endpoint: { id: string }; secret: string };
}

/** An event as the outbox holds it, written straight to the table the fan-out trigger watches. */
function insertEvent(db: Db | Tx, partnerId: string, type: string) {
  const id = randomUUID();
  return db
    .insertInto('events')
    .values({ id, partner_id: partnerId, organization_id: null, type, data: '{}' })
    .execute()
    .then(() => id);
}

const deliveriesOf = (eventId: string) =>
  server.db
    .selectFrom('webhook_deliveries')
    .select(['endpoint_id', 'status'])
    .where('event_id', '=', eventId)
    .execute();

describe('webhook endpoints', () => {
  it('shows the secret once, on creation, and never on reads', async () => {
    const { apiKey } = await server.createPartner();
    const created = await server.request('POST', HOOKS, {
      apiKey,
      body: {
        url: PUBLIC_URL,
        description: 'CRM sync',
        eventTypes: ['credits.granted', 'organization.created', 'credits.granted'],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(created.body.secret.slice(6), 'base64')).toHaveLength(32);
    expect(created.body.endpoint).toEqual({
      id: expect.any(String),
      url: PUBLIC_URL,
      description: 'CRM sync',
      eventTypes: ['credits.granted', 'organization.created'],
      enabled: true,
      disabledReason: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const id = created.body.endpoint.id as string;

    const read = await server.request('GET', `${HOOKS}/${id}`, { apiKey });
    expect(read.body).toEqual({ endpoint: created.body.endpoint });
    const list = await server.request('GET', `${HOOKS}?page=1&pageSize=10`, { apiKey });
    expect(list.body).toEqual({
      endpoints: [created.body.endpoint],
      total: 1,
      page: 1,
      pageSize: 10,
    });
    expect(JSON.stringify([read.body, list.body])).not.toContain('whsec_');

    // A replayed creation cannot show the secret again: the secret is not kept in the replay store.
    const headers = { 'idempotency-key': 'create-hook-1' };
    const first = await server.request('POST', HOOKS, {
      apiKey,
      headers,
      body: { url: PUBLIC_URL },
    });
    expect(first.status).toBe(201);
    const again = await server.request('POST', HOOKS, {
      apiKey,
      headers,
      body: { url: PUBLIC_URL },
    });
    expectError(again, 409, 'secret_not_replayable');
    expect(JSON.stringify(again.body)).not.toContain('whsec_');
  });

  it('refuses plain http, private and loopback addresses, and unknown event types', async () => {
    const { apiKey } = await server.createPartner();
    for (const [url, code] of [
      ['http://hooks.example.com/in', 'webhook_url_insecure'],
      ['http://localhost:8080/in', 'webhook_url_insecure'],
      ['http://127.0.0.1:8080/in', 'webhook_url_insecure'],
      ['https://localhost/in', 'webhook_url_private_address'],
      ['https://10.0.0.1/in', 'webhook_url_private_address'],
      ['https://169.254.169.254/latest/meta-data/', 'webhook_url_private_address'],
      ['https://192.168.1.20:8443/in', 'webhook_url_private_address'],
      ['https://[::1]/in', 'webhook_url_private_address'],
      ['https://[fd00::5]/in', 'webhook_url_private_address'],
      ['https://[::ffff:10.0.0.1]/in', 'webhook_url_private_address'],
      ['https://[::ffff:0:127.0.0.1]/in', 'webhook_url_private_address'],
      ['https://[64:ff9b:1::a00:1]/in', 'webhook_url_private_address'],
      ['https://[64:ff9b::10.0.0.1]/in', 'webhook_url_private_address'],
      ['https://[2002:a00:1::1]/in', 'webhook_url_private_address'],
      ['https://[2001:db8::1]/in', 'webhook_url_private_address'],
      ['https://198.51.100.7/in', 'webhook_url_private_address'],
    ] as const) {
      expectError(await server.request('POST', HOOKS, { apiKey, body: { url } }), 422, code);
    }
    expectInvalid(
      await server.request('POST', HOOKS, { apiKey, body: { url: 'not a url' } }),
      'url',
    );
    expectInvalid(
      await server.request('POST', HOOKS, { apiKey, body: { url: 'ftp://93.184.215.10/x' } }),
      'url',
    );
    expectInvalid(
      await server.request('POST', HOOKS, {
        apiKey,
        body: { url: PUBLIC_URL, eventTypes: ['organization.exploded'] },
      }),
      'eventTypes',
    );
    const { total } = (await server.request('GET', HOOKS, { apiKey })).body;
    expect(total).toBe(0);

    // An update is checked the same way and changes nothing when refused.
    const { endpoint } = await createEndpoint(apiKey);
    const refused = await server.request('PUT', `${HOOKS}/${endpoint.id}`, {
      apiKey,
      body: { url: 'https://10.1.2.3/in', description: 'moved' },
    });
    expectError(refused, 422, 'webhook_url_private_address');
    const read = await server.request('GET', `${HOOKS}/${endpoint.id}`, { apiKey });
    expect(read.body.endpoint).toMatchObject({ url: PUBLIC_URL, description: null });
  });

  it('updates, rotates, disables and deletes', async () => {
    const { apiKey } = await server.createPartner();
    const { endpoint, secret } = await createEndpoint(apiKey, { description: 'first' });
    const path = `${HOOKS}/${endpoint.id}`;

    const updated = await server.request('PUT', path, {
      apiKey,
      body: { url: 'https://93.184.215.11/v2', eventTypes: ['usage.recorded'], description: null },
    });
    expect(updated.body.endpoint).toMatchObject({
      url: 'https://93.184.215.11/v2',
      eventTypes: ['usage.recorded'],
      description: null,
      enabled: true,
    });

    const rotated = await server.request('POST', `${path}/rotate-secret`, { apiKey });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(secret);
    const stored = await server.db
      .selectFrom('webhook_endpoints')
      .select('secret')
      .where('id', '=', endpoint.id)
      .executeTakeFirstOrThrow();
    expect(stored.secret).toBe(rotated.body.secret);

    const disabled = await server.request('PUT', path, { apiKey, body: { enabled: false } });
    expect(disabled.body.endpoint).toMatchObject({ enabled: false, disabledReason: null });
    expectError(
      await server.request('POST', `${path}/test`, { apiKey }),
      422,
      'webhook_endpoint_disabled',
    );

    expect((await server.request('DELETE', path, { apiKey })).status).toBe(204);
    expectError(await server.request('GET', path, { apiKey }), 404, 'not_found');
    expectError(await server.request('DELETE', path, { apiKey }), 404, 'not_found');
  });

  it(`holds at most 20 endpoints per partner`, async () => {
    const { apiKey } = await server.createPartner();
    for (let i = 0; i < 20; i++) await createEndpoint(apiKey);
    expectError(
      await server.request('POST', HOOKS, { apiKey, body: { url: PUBLIC_URL } }),
      422,
      'webhook_endpoint_limit',
    );
    const page = await server.request('GET', `${HOOKS}?page=2&pageSize=15`, { apiKey });
    expect(page.body).toMatchObject({ total: 20, page: 2, pageSize: 15 });
    expect(page.body.endpoints).toHaveLength(5);
  });
});

describe('partner isolation', () => {
  /** A valid request for every webhook route; a route added without an entry fails the test. */
  const requests: Record<string, { body?: Record<string, unknown>; query?: string }> = {
    'webhooks.get': {},
    'webhooks.update': { body: { url: 'https://93.184.215.66/stolen', enabled: false } },
    'webhooks.remove': {},
    'webhooks.rotateSecret': {},
    'webhooks.test': {},
    'webhooks.deliveries.list': { query: 'limit=5' },
    'webhooks.deliveries.retry': {},
  };

  it("answers 404 for another partner's endpoint and its deliveries, and changes nothing", async () => {
    const a = await server.createPartner();
    const b = await server.createPartner();
    const { endpoint } = await createEndpoint(a.apiKey, { description: 'A' });
    const eventId = await insertEvent(server.db, a.partner.id, 'organization.created');
    const delivery = await server.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('event_id', '=', eventId)
      .executeTakeFirstOrThrow();
    const before = await server.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', endpoint.id)
      .executeTakeFirstOrThrow();

    const scoped = routes.filter((route) => route.path.includes(':endpointId'));
    expect(scoped.map((route) => route.operationId).sort()).toEqual(Object.keys(requests).sort());
    for (const route of scoped) {
      const { body, query } = defined(requests[route.operationId], route.operationId);
      const path = route.path
        .replace('/api/v1', '')
        .replace(':endpointId', endpoint.id)
        .replace(':deliveryId', delivery.id);
      const response = await server.request(route.method, `${path}${query ? `?${query}` : ''}`, {
        apiKey: b.apiKey,
        ...(body ? { body } : {}),
      });
      expectError(response, 404, 'not_found');
    }
    // B's lists do not show A's endpoint; A's endpoint, secret and delivery are untouched.
    expect((await server.request('GET', HOOKS, { apiKey: b.apiKey })).body.total).toBe(0);
    const after = await server.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', endpoint.id)
      .executeTakeFirstOrThrow();
    expect(after).toEqual(before);
    const deliveryAfter = await server.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', delivery.id)
      .executeTakeFirstOrThrow();
    expect(deliveryAfter).toEqual(delivery);
    const tests = await server.db
      .selectFrom('events')
      .select('id')
      .where('type', '=', 'webhook.test')
      .where('partner_id', 'in', [a.partner.id, b.partner.id])
      .execute();
    expect(tests).toEqual([]);

    // A retry naming A's delivery under B's own endpoint is a 404 as well.
    const own = await createEndpoint(b.apiKey);
    expectError(
      await server.request('POST', `${HOOKS}/${own.endpoint.id}/deliveries/${delivery.id}/retry`, {
        apiKey: b.apiKey,
      }),
      404,
      'not_found',
    );
  });
});

describe('the fan-out trigger', () => {
  it('queues one delivery per enabled endpoint whose filter matches, in the same transaction', async () => {
    const { apiKey, partner } = await server.createPartner();
    const other = await server.createPartner();
    const all = await createEndpoint(apiKey);
    const granted = await createEndpoint(apiKey, { eventTypes: ['credits.granted'] });
    const off = await createEndpoint(apiKey, { enabled: false });
    await createEndpoint(other.apiKey);

    const created = await insertEvent(server.db, partner.id, 'organization.created');
    expect(await deliveriesOf(created)).toEqual([
      { endpoint_id: all.endpoint.id, status: 'pending' },
    ]);
    const grant = await insertEvent(server.db, partner.id, 'credits.granted');
    expect((await deliveriesOf(grant)).map((d) => d.endpoint_id).sort()).toEqual(
      [all.endpoint.id, granted.endpoint.id].sort(),
    );
    expect(
      await server.db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('endpoint_id', '=', off.endpoint.id)
        .execute(),
    ).toEqual([]);
    // Test events go to one endpoint, which the API names; the trigger leaves them alone.
    expect(await deliveriesOf(await insertEvent(server.db, partner.id, 'webhook.test'))).toEqual(
      [],
    );
  });

  it('fans a many-row insert out in one statement', async () => {
    const { apiKey, partner } = await server.createPartner();
    const endpoints = [await createEndpoint(apiKey), await createEndpoint(apiKey)];
    const ids = Array.from({ length: 50 }, () => randomUUID());
    await server.db
      .insertInto('events')
      .values(
        ids.map((id) => ({
          id,
          partner_id: partner.id,
          organization_id: null,
          type: 'usage.recorded',
          data: '{}',
        })),
      )
      .execute();
    const { n } = await server.db
      .selectFrom('webhook_deliveries')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('event_id', 'in', ids)
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBe(ids.length * endpoints.length);
  });

  it('queues nothing for an event whose transaction rolls back', async () => {
    const { apiKey, partner } = await server.createPartner();
    await createEndpoint(apiKey);
    let eventId = '';
    await expect(
      server.db.transaction().execute(async (trx) => {
        eventId = await insertEvent(trx, partner.id, 'organization.created');
        // Inside the transaction the delivery exists already...
        const inside = await trx
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('event_id', '=', eventId)
          .execute();
        expect(inside).toHaveLength(1);
        throw new Error('the change fails');
      }),
    ).rejects.toThrow('the change fails');
    // ...and it goes with the rollback.
    expect(await deliveriesOf(eventId)).toEqual([]);
    const { n } = await server.db
      .selectFrom('webhook_deliveries')
      .select(sql<string>`count(*)`.as('n'))
      .where('partner_id', '=', partner.id)
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBe(0);
  });
});
