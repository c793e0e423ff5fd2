import { defined } from '@allot/domain';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { expectError } from './expect-errors.ts';
import { ORGS } from './paths.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const key = (value: string) => ({ 'idempotency-key': value });

async function organizations(apiKey: string) {
  const response = await server.request('GET', `${ORGS}?pageSize=100`, { apiKey });
  expect(response.status).toBe(200);
  return response.body as {
    organizations: { id: string; name: string; credits: number }[];
    total: number;
  };
}

async function pool(apiKey: string) {
  const { body } = await server.request('GET', '/partner/billing', { apiKey });
  return { total: body.creditPoolTotal as number, allocated: body.creditsAllocated as number };
}

describe('Idempotency-Key on POST /partner/organizations', () => {
  it('replays the first 201 response and creates one organization', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const body = { name: 'Once only', externalId: 'once', initialCredits: 200, metadata: { a: 1 } };
    const first = await server.request('POST', ORGS, { apiKey, body, headers: key('create-1') });
    expect(first.status).toBe(201);
    const second = await server.request('POST', ORGS, { apiKey, body, headers: key('create-1') });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);

    // The same body with its keys in another order is the same request.
    const reordered = await server.request('POST', ORGS, {
      apiKey,
      body: { metadata: { a: 1 }, initialCredits: 200, externalId: 'once', name: 'Once only' },
      headers: key('create-1'),
    });
    expect(reordered.status).toBe(201);
    expect(reordered.body).toEqual(first.body);

    const listed = await organizations(apiKey);
    expect(listed.total).toBe(1);
    expect(listed.organizations.map((o) => o.id)).toEqual([first.body.organization.id]);
    expect(await pool(apiKey)).toEqual({ total: 1000, allocated: 200 });
  });

  it('without a key, the same body creates again', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const body = { name: 'No key', initialCredits: 100 };
    const one = await server.request('POST', ORGS, { apiKey, body });
    const two = await server.request('POST', ORGS, { apiKey, body });
    expect([one.status, two.status]).toEqual([201, 201]);
    expect(two.body.organization.id).not.toBe(one.body.organization.id);
    expect((await organizations(apiKey)).total).toBe(2);
    expect(await pool(apiKey)).toEqual({ total: 1000, allocated: 200 });
  });

  it('answers 409 idempotency_key_reused for the same key with another body, and changes nothing', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const first = await server.request('POST', ORGS, {
      apiKey,
      body: { name: 'Original', initialCredits: 100 },
      headers: key('k-409'),
    });
    expect(first.status).toBe(201);

    expectError(
      await server.request('POST', ORGS, {
        apiKey,
        body: { name: 'Original', initialCredits: 101 },
        headers: key('k-409'),
      }),
      409,
      'idempotency_key_reused',
    );
    expectError(
      await server.request('POST', ORGS, {
        apiKey,
        body: { name: 'Different' },
        headers: key('k-409'),
      }),
      409,
      'idempotency_key_reused',
    );
    // The same key on another operation is a different request too.
    expectError(
      await server.request('PUT', `${ORGS}/${first.body.organization.id}/credits`, {
        apiKey,
        body: { credits: 100 },
        headers: key('k-409'),
      }),
      409,
      'idempotency_key_reused',
    );

    expect((await organizations(apiKey)).organizations.map((o) => o.name)).toEqual(['Original']);
    expect(await pool(apiKey)).toEqual({ total: 1000, allocated: 100 });
    // The original request still replays.
    const replay = await server.request('POST', ORGS, {
      apiKey,
      body: { name: 'Original', initialCredits: 100 },
      headers: key('k-409'),
    });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
  });

  it('does not burn a key on a refused request: after a 422 the same key can succeed', async () => {
    const { partner, apiKey } = await server.createPartner({ poolCredits: 100 });
    const body = { name: 'Waits for pool', tier: 'paid', initialCredits: 300 };
    expectError(
      await server.request('POST', ORGS, { apiKey, body, headers: key('after-422') }),
      422,
      'insufficient_pool_credits',
    );
    expect((await organizations(apiKey)).total).toBe(0);
    const raised = await server.request('PUT', `/operator/partners/${partner.id}/billing`, {
      operator: true,
      body: { poolCredits: 1000 },
    });
    expect(raised.status).toBe(200);
    const retry = await server.request('POST', ORGS, { apiKey, body, headers: key('after-422') });
    expect(retry.status).toBe(201);
    expect((await organizations(apiKey)).total).toBe(1);
  });

  it('rejects an empty or over-long key with 400', async () => {
    const { apiKey } = await server.createPartner();
    expectError(
      await server.request('POST', ORGS, { apiKey, body: { name: 'X' }, headers: key('') }),
      400,
      'invalid_idempotency_key',
    );
    expectError(
      await server.request('POST', ORGS, {
        apiKey,
        body: { name: 'X' },
        headers: key('k'.repeat(256)),
      }),
      400,
      'invalid_idempotency_key',
    );
    expect((await organizations(apiKey)).total).toBe(0);
    const longest = await server.request('POST', ORGS, {
      apiKey,
      body: { name: 'X' },
      headers: key('k'.repeat(255)),
    });
    expect(longest.status).toBe(201);
  });
});

describe('Idempotency-Key on PUT credits', () => {
  it('replays without drawing from the pool again', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const created = await server.request('POST', ORGS, {
      apiKey,
      body: { name: 'Topped up', tier: 'paid', initialCredits: 100 },
    });
    const id = created.body.organization.id as string;

    const first = await server.request('PUT', `${ORGS}/${id}/credits`, {
      apiKey,
      body: { credits: 600 },
      headers: key('credits-1'),
    });
    expect(first.status).toBe(200);
    expect(first.body.organization.credits).toBe(600);
    expect(await pool(apiKey)).toEqual({ total: 1000, allocated: 600 });

    const replay = await server.request('PUT', `${ORGS}/${id}/credits`, {
      apiKey,
      body: { credits: 600 },
      headers: key('credits-1'),
    });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    expect(await pool(apiKey)).toEqual({ total: 1000, allocated: 600 });

    // Move the allocation on without the key; a late retry of the first request must not undo that.
    const lowered = await server.request('PUT', `${ORGS}/${id}/credits`, {
      apiKey,
      body: { credits: 200 },
    });
    expect(lowered.body.organization.credits).toBe(200);
    expect(await pool(apiKey)).toEqual({ total: 1000, allocated: 200 });

    const lateRetry = await server.request('PUT', `${ORGS}/${id}/credits`, {
      apiKey,
      body: { credits: 600 },
      headers: key('credits-1'),
    });
    expect(lateRetry.status).toBe(200);
    expect(lateRetry.body).toEqual(first.body);
    const current = await server.request('GET', `${ORGS}/${id}`, { apiKey });
    expect(current.body.organization.credits).toBe(200);
    expect(await pool(apiKey)).toEqual({ total: 1000, allocated: 200 });
  });

  it('ten concurrent retries of one allocation draw once', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const created = await server.request('POST', ORGS, {
      apiKey,
      body: { name: 'Racing', tier: 'paid' },
    });
    const id = created.body.organization.id as string;
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        server.request('PUT', `${ORGS}/${id}/credits`, {
          apiKey,
          body: { credits: 700 },
          headers: key('credits-race'),
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    for (const response of responses) expect(response.body).toEqual(responses[0]?.body);
    expect(await pool(apiKey)).toEqual({ total: 1000, allocated: 700 });
  });
});

describe('Idempotency-Key scope', () => {
  it('is per partner: another partner using the same key string gets its own result', async () => {
    const a = await server.createPartner({ poolCredits: 1000 });
    const b = await server.createPartner({ poolCredits: 1000 });
    const sharedKey = `shared-${randomUUID()}`;
    const body = { name: 'Same body', initialCredits: 100 };

    const ofA = await server.request('POST', ORGS, {
      apiKey: a.apiKey,
      body,
      headers: key(sharedKey),
    });
    const ofB = await server.request('POST', ORGS, {
      apiKey: b.apiKey,
      body,
      headers: key(sharedKey),
    });
    expect([ofA.status, ofB.status]).toEqual([201, 201]);
    expect(ofB.body.organization.id).not.toBe(ofA.body.organization.id);
    // B did not get A's organization replayed to it, and each owns what it created.
    expect(
      (await server.request('GET', `${ORGS}/${ofB.body.organization.id}`, { apiKey: b.apiKey }))
        .status,
    ).toBe(200);
    expect(
      (await server.request('GET', `${ORGS}/${ofA.body.organization.id}`, { apiKey: b.apiKey }))
        .status,
    ).toBe(404);
    expect((await organizations(a.apiKey)).organizations.map((o) => o.id)).toEqual([
      ofA.body.organization.id,
    ]);
    expect((await organizations(b.apiKey)).organizations.map((o) => o.id)).toEqual([
      ofB.body.organization.id,
    ]);

    // A different body under the same key string is fine for a third partner, not a 409.
    const c = await server.createPartner({ poolCredits: 1000 });
    const ofC = await server.request('POST', ORGS, {
      apiKey: c.apiKey,
      body: { name: 'Other body' },
      headers: key(sharedKey),
    });
    expect(ofC.status).toBe(201);
    expect(ofC.body.organization.name).toBe('Other body');

    // Each partner's key still replays its own first response.
    const replayA = await server.request('POST', ORGS, {
      apiKey: a.apiKey,
      body,
      headers: key(sharedKey),
    });
    expect(replayA.body).toEqual(ofA.body);
    expect(await pool(a.apiKey)).toEqual({ total: 1000, allocated: 100 });
    expect(await pool(b.apiKey)).toEqual({ total: 1000, allocated: 100 });
  });

  it('is shared by all API keys of one partner', async () => {
    const { partner, apiKey } = await server.createPartner();
    const second = await server.request('POST', `/operator/partners/${partner.id}/api-keys`, {
      operator: true,
    });
    const body = { name: 'Either key' };
    const first = await server.request('POST', ORGS, { apiKey, body, headers: key('per-partner') });
    const again = await server.request('POST', ORGS, {
      apiKey: second.body.apiKey,
      body,
      headers: key('per-partner'),
    });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect((await organizations(apiKey)).total).toBe(1);
  });
});

describe('concurrent retries', () => {
  it('ten simultaneous identical creates with one key make exactly one organization', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const body = { name: 'Stampede', externalId: 'stampede', initialCredits: 100 };
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        server.request('POST', ORGS, { apiKey, body, headers: key('stampede-key') }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201));
    const ids = new Set(responses.map((r) => r.body.organization.id));
    expect(ids.size).toBe(1);
    for (const response of responses) expect(response.body).toEqual(responses[0]?.body);

    const listed = await organizations(apiKey);
    expect(listed.total).toBe(1);
    expect(listed.organizations[0]?.id).toBe([...ids][0]);
    expect(await pool(apiKey)).toEqual({ total: 1000, allocated: 100 });
  });
});

describe('Idempotency-Key on requests that issue an API key', () => {
  it('never stores the key, and a replay names what was created instead of showing the key again', async () => {
    const body = { name: 'Keyed', billingMode: 'external', billingPeriod: 'monthly' };
    const first = await server.request('POST', '/operator/partners', {
      operator: true,
      body,
      headers: key('onboard-1'),
    });
    expect(first.status).toBe(201);
    const replay = await server.request('POST', '/operator/partners', {
      operator: true,
      body,
      headers: key('onboard-1'),
    });
    expect(replay.status).toBe(409);
    expect(replay.body.error.code).toBe('secret_not_replayable');
    expect(replay.body.error.details).toEqual({ partner: first.body.partner });

    const issued = await server.request(
      'POST',
      `/operator/partners/${first.body.partner.id}/api-keys`,
      {
        operator: true,
        headers: key('key-1'),
      },
    );
    expect(issued.status).toBe(201);
    const again = await server.request(
      'POST',
      `/operator/partners/${first.body.partner.id}/api-keys`,
      {
        operator: true,
        headers: key('key-1'),
      },
    );
    expect(again.status).toBe(409);
    expect(again.body.error.details).toEqual({ id: issued.body.id });

    // One partner, two keys, and no plaintext key anywhere in the stored responses.
    const { partners } = (await server.request('GET', '/operator/partners', { operator: true }))
      .body;
    expect(partners.filter((p: { name: string }) => p.name === 'Keyed')).toHaveLength(1);
    const stored = await server.db.selectFrom('idempotency_keys').select('response').execute();
    const text = JSON.stringify(stored);
    expect(text).not.toContain(first.body.apiKey);
    expect(text).not.toContain(issued.body.apiKey);
    expect(text).not.toContain('allot_sk_');
  });
});

describe('Idempotency-Key lifetime', () => {
  it('replays within 24 hours and treats the key as new after that', async () => {
    let now = new Date('2031-05-10T09:00:00Z');
    const clocked = await startTestServer({ now: () => now });
    try {
      const { apiKey } = await clocked.createPartner({ poolCredits: 1000 });
      const body = { name: 'Daily', initialCredits: 10 };
      const first = await clocked.request('POST', ORGS, { apiKey, body, headers: key('daily') });
      now = new Date('2031-05-11T08:59:00Z');
      const replay = await clocked.request('POST', ORGS, { apiKey, body, headers: key('daily') });
      expect(replay.body).toEqual(first.body);
      now = new Date('2031-05-11T09:00:01Z');
      const fresh = await clocked.request('POST', ORGS, { apiKey, body, headers: key('daily') });
      expect(fresh.status).toBe(201);
      expect(fresh.body.organization.id).not.toBe(first.body.organization.id);
    } finally {
      await clocked.close();
    }
  });
});

describe('Idempotency-Key on POST .../credits/consumptions', () => {
  const REPLAYED = 'idempotent-replayed';

  async function funded(amount: number) {
    const { apiKey } = await server.createPartner({ billingMode: 'external' });
    const created = await server.request('POST', ORGS, { apiKey, body: { name: 'Consumer' } });
    const id = created.body.organization.id as string;
    const grant = await server.request('POST', `${ORGS}/${id}/credits/grants`, {
      apiKey,
      body: { amount, reason: 'test' },
    });
    expect(grant.status).toBe(201);
    return { apiKey, id };
  }

  const consume = (apiKey: string, id: string, body: object, idempotencyKey: string) =>
    server.request('POST', `${ORGS}/${id}/credits/consumptions`, {
      apiKey,
      body,
      headers: key(idempotencyKey),
    });

  async function used(apiKey: string, id: string) {
    const { body } = await server.request('GET', `${ORGS}/${id}/credits`, { apiKey });
    return body.balances.find((b: { creditType: string }) => b.creditType === 'identification')
      .used as number;
  }

  it('answers 409 idempotency_key_reused for another amount, credit type or reference, and charges once', async () => {
    const creditType = `enrich${randomUUID().slice(0, 8)}`;
    const type = await server.request('POST', '/operator/credit-types', {
      operator: true,
      body: { key: creditType, name: 'Enrichment', unit: 'contact' },
    });
    expect(type.status).toBe(201);
    const { apiKey, id } = await funded(10);
    await server.request('POST', `${ORGS}/${id}/credits/grants`, {
      apiKey,
      body: { amount: 10, creditType, reason: 'test' },
    });
    const body = { amount: 2, reference: 'event-1' };
    const first = await consume(apiKey, id, body, 'consume-1');
    expect(first.status).toBe(201);
    expect(first.body.consumption.replayed).toBe(false);

    for (const other of [
      { amount: 3, reference: 'event-1' },
      { amount: 2, reference: 'event-2' },
      { amount: 2 },
      { amount: 2, reference: 'event-1', creditType },
    ]) {
      expectError(await consume(apiKey, id, other, 'consume-1'), 409, 'idempotency_key_reused');
    }
    const again = await consume(apiKey, id, body, 'consume-1');
    expect(again.status).toBe(201);
    expect(again.body.consumption).toEqual({ ...first.body.consumption, replayed: true });
    expect(await used(apiKey, id)).toBe(2);
    const { body: balances } = await server.request('GET', `${ORGS}/${id}/credits`, { apiKey });
    expect(
      balances.balances.find((b: { creditType: string }) => b.creditType === creditType),
    ).toMatchObject({ used: 0 });
  });

  it('marks a replayed response with Idempotent-Replayed: true, and a first response not', async () => {
    const { apiKey, id } = await funded(10);
    const first = await consume(apiKey, id, { amount: 1 }, 'marked');
    expect(first.headers.get(REPLAYED)).toBeNull();
    const replay = await consume(apiKey, id, { amount: 1 }, 'marked');
    expect(replay.status).toBe(201);
    expect(replay.headers.get(REPLAYED)).toBe('true');

    // The same for writes that replay a stored response.
    const body = { name: 'Replayed', initialCredits: 0 };
    const created = await server.request('POST', ORGS, { apiKey, body, headers: key('org') });
    expect(created.headers.get(REPLAYED)).toBeNull();
    const replayed = await server.request('POST', ORGS, { apiKey, body, headers: key('org') });
    expect(replayed.body).toEqual(created.body);
    expect(replayed.headers.get(REPLAYED)).toBe('true');
    const refused = await server.request('POST', ORGS, {
      apiKey,
      body: { name: 'Other' },
      headers: key('org'),
    });
    expect(refused.status).toBe(409);
    expect(refused.headers.get(REPLAYED)).toBeNull();
  });

  it('holds over tRPC too: a replay is marked, another body is a 409', async () => {
    const { apiKey, id } = await funded(10);
    const call = (amount: number) =>
      fetch(`${server.url}/trpc/credits.consume`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-partner-api-key': apiKey,
          'idempotency-key': 'over-trpc',
        },
        body: JSON.stringify({ organizationId: id, amount }),
      });
    const first = await call(2);
    expect(first.status).toBe(200);
    expect(first.headers.get(REPLAYED)).toBeNull();
    const replay = await call(2);
    expect(replay.status).toBe(200);
    expect(replay.headers.get(REPLAYED)).toBe('true');
    const reused = await call(3);
    expect(reused.status).toBe(409);
    const body = (await reused.json()) as { error: { data: { appCode: string } } };
    expect(body.error.data.appCode).toBe('idempotency_key_reused');
    expect(await used(apiKey, id)).toBe(2);
  });

  it('ten concurrent retries with one key and body charge once; one answers first, the rest replay', async () => {
    const { apiKey, id } = await funded(50);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => consume(apiKey, id, { amount: 3 }, 'burst')),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201));
    const replays = responses.map((r) => r.headers.get(REPLAYED) === 'true');
    expect(replays.filter((replayed) => !replayed)).toHaveLength(1);
    expect(responses.map((r) => r.body.consumption.replayed)).toEqual(replays);
    expect(await used(apiKey, id)).toBe(3);
  });

  it('ten concurrent requests with one key and different bodies: exactly one is charged, the rest are 409', async () => {
    const { apiKey, id } = await funded(100);
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => consume(apiKey, id, { amount: i + 1 }, 'contested')),
    );
    const won = responses.filter((r) => r.status === 201);
    expect(won).toHaveLength(1);
    expect(won[0]?.body.consumption.replayed).toBe(false);
    for (const lost of responses.filter((r) => r.status !== 201))
      expectError(lost, 409, 'idempotency_key_reused');
    expect(await used(apiKey, id)).toBe(defined(won[0], 'the winner').body.consumption.amount);
  });
});
