import { webhooks } from '@allot/api';
import { defined, TEST_EVENT_TYPE, eventEnvelopeSchema } from '@allot/domain';
import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type Worker } from '../src/worker.ts';
import { expectError } from './expect-errors.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { startReceiver, waitFor, type Receiver } from './webhook-receiver.ts';
import { HOOKS } from './paths.ts';

// Real deliveries: the in-process job worker POSTs to real receivers on 127.0.0.1, with a fast
// schedule (eight attempts 200 ms apart) and a 300 ms timeout.
const SCHEDULE = [0, 200, 200, 200, 200, 200, 200, 200];
const TIMEOUT_MS = 300;

let server: TestServer;
let worker: Worker;
beforeAll(async () => {
  server = await startTestServer({ allowHttpWebhooks: true });
  worker = await startWorker({
    db: server.db,
    databaseUrl: server.databaseUrl,
    concurrency: 2,
    webhooks: { allowHttpWebhooks: true, retrySchedule: SCHEDULE, timeoutMs: TIMEOUT_MS },
  });
}, 60_000);
afterAll(async () => {
  await worker.stop();
  await server.close();
});

async function setup(receiver: Receiver, body: Record<string, unknown> = {}) {
  const { apiKey, partner } = await server.createPartner();
  const created = await server.request('POST', HOOKS, {
    apiKey,
    body: { url: receiver.url, ...body },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return {
    apiKey,
    partnerId: partner.id,
    endpointId: created.body.endpoint.id as string,
    secret: created.body.secret as string,
  };
}

/** Writes an event to the outbox as a service would (the fan-out trigger takes it from there). */
async function emit(
  partnerId: string,
  type: string,
  data: Record<string, unknown>,
  id: string = randomUUID(),
) {
  await server.db
    .insertInto('events')
    .values({ id, partner_id: partnerId, organization_id: null, type, data: JSON.stringify(data) })
    .execute();
  return id;
}

const organizationCreated = (name: string) => ({
  organizationId: randomUUID(),
  name,
  externalId: null,
  tier: 'trial',
  productType: 'B2B',
  status: 'active',
});

async function deliveryLog(apiKey: string, endpointId: string) {
  const response = await server.request('GET', `${HOOKS}/${endpointId}/deliveries?limit=100`, {
    apiKey,
  });
  expect(response.status).toBe(200);
  return response.body.deliveries as any[];
}

const attemptsOf = async (eventId: string) =>
  (
    await server.db
      .selectFrom('webhook_deliveries')
      .select('attempts')
      .where('event_id', '=', eventId)
      .executeTakeFirst()
  )?.attempts;

/**
 * A positive signal that the dispatcher has worked through everything due before it: a fresh
 * partner's event, refused `failures` times and then accepted, is marked succeeded. Deliveries
 * are claimed in due order, so anything that was to be sent before it has been sent by then, and
 * the dispatcher has drained `failures + 1` times, one retry interval apart.
 */
async function drained(failures = 0) {
  let answered = 0;
  const probe = await startReceiver(() =>
    ++answered <= failures ? { status: 503 } : { status: 204 },
  );
  const { apiKey, partnerId, endpointId } = await setup(probe);
  await emit(partnerId, 'credits.granted', { organizationId: randomUUID() });
  await waitFor(async () => (await deliveryLog(apiKey, endpointId))[0]?.status === 'succeeded');
  await probe.down();
}

const verify = (secret: string, request: { body: string; headers: Record<string, unknown> }) =>
  new Webhook(secret).verify(request.body, request.headers as Record<string, string>);

describe('webhook delivery', () => {
  it('delivers a new event within about a second, signed per Standard Webhooks', async () => {
    const receiver = await startReceiver(() => ({ status: 200, body: 'ok' }));
    const { apiKey, partnerId, endpointId, secret } = await setup(receiver);
    const data = organizationCreated('Acme');
    const started = Date.now();
    const eventId = await emit(partnerId, 'organization.created', data);

    await waitFor(() => receiver.of(eventId).length === 1);
    expect(Date.now() - started).toBeLessThan(2_000);
    const request = defined(receiver.of(eventId)[0], 'the delivered request');
    const row = await server.db
      .selectFrom('events')
      .select('created_at')
      .where('id', '=', eventId)
      .executeTakeFirstOrThrow();
    const envelope = eventEnvelopeSchema('organization.created').parse(verify(secret, request));
    expect(envelope).toEqual({
      id: eventId,
      type: 'organization.created',
      version: 1,
      timestamp: row.created_at.toISOString(),
      partnerId,
      data,
    });
    expect(request.headers['webhook-id']).toBe(eventId);
    expect(Number(request.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);

    await waitFor(async () => (await deliveryLog(apiKey, endpointId))[0]?.status === 'succeeded');
    const [delivery] = await deliveryLog(apiKey, endpointId);
    expect(delivery).toMatchObject({
      eventId,
      eventType: 'organization.created',
      status: 'succeeded',
      attempts: 1,
      nextAttemptAt: null,
      lastStatusCode: 200,
      failureReason: null,
    });
    expect(delivery.attemptLog).toEqual([
      {
        attemptedAt: expect.any(String),
        statusCode: 200,
        latencyMs: expect.any(Number),
        error: null,
        responseExcerpt: 'ok',
      },
    ]);
  });

  it('delivers what the API emits: creating an organization sends organization.created', async () => {
    const receiver = await startReceiver();
    const { apiKey, secret } = await setup(receiver, { eventTypes: ['organization.created'] });
    const created = await server.request('POST', '/partner/organizations', {
      apiKey,
      body: { name: 'Through the API', externalId: 'api-1' },
    });
    expect(created.status).toBe(201);
    const organizationId = created.body.organization.id as string;
    await waitFor(() => receiver.received.length === 1);
    const envelope = eventEnvelopeSchema('organization.created').parse(
      verify(secret, defined(receiver.received[0], 'the delivered request')),
    );
    expect(envelope.data).toMatchObject({
      organizationId,
      name: 'Through the API',
      externalId: 'api-1',
    });
  });

  it('listens again after its connection is cut, and delivers what came meanwhile', async () => {
    const receiver = await startReceiver();
    const { partnerId } = await setup(receiver);
    const cut = await sql<{ cut: boolean }>`
      SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity
      WHERE datname = current_database() AND query = 'LISTEN "allot_webhooks"'`.execute(server.db);
    expect(cut.rows).toEqual([{ cut: true }]);
    const eventId = await emit(partnerId, 'credits.granted', { organizationId: randomUUID() });
    // Well before the one-minute backstop: the listener reconnects and looks for missed work.
    await waitFor(() => receiver.of(eventId).length === 1, 5_000);
  });

  it('sends only the event types an endpoint asked for', async () => {
    const receiver = await startReceiver();
    const { apiKey, partnerId, endpointId } = await setup(receiver, {
      eventTypes: ['credits.granted'],
    });
    const skipped = await emit(partnerId, 'organization.created', organizationCreated('Skip'));
    const wanted = await emit(partnerId, 'credits.granted', { organizationId: randomUUID() });
    await waitFor(() => receiver.of(wanted).length === 1);
    await drained();
    expect(receiver.of(skipped)).toEqual([]);
    expect((await deliveryLog(apiKey, endpointId)).map((d) => d.eventId)).toEqual([wanted]);
  });

  it('retries a receiver that fails three times (500, then refused) and logs every attempt', async () => {
    let answered = 0;
    const receiver = await startReceiver(() =>
      ++answered <= 2 ? { status: 500, body: 'boom' } : { status: 200, body: 'fine' },
    );
    const { apiKey, partnerId, endpointId } = await setup(receiver);
    const eventId = await emit(partnerId, 'organization.created', organizationCreated('Flaky'));
    // Two 500s, then the receiver goes away: the third attempt finds the port closed.
    await waitFor(() => receiver.of(eventId).length === 2);
    await receiver.down();
    await waitFor(async () => (await attemptsOf(eventId)) === 3);
    await receiver.up();
    await waitFor(async () => (await deliveryLog(apiKey, endpointId))[0]?.status === 'succeeded');

    const [delivery] = await deliveryLog(apiKey, endpointId);
    expect(delivery.attempts).toBe(4);
    expect(receiver.of(eventId)).toHaveLength(3);
    const log = delivery.attemptLog as any[];
    expect(log.map((attempt) => attempt.statusCode)).toEqual([500, 500, null, 200]);
    expect(log.map((attempt) => attempt.responseExcerpt)).toEqual(['boom', 'boom', null, 'fine']);
    expect(log[2].error).toContain('ECONNREFUSED');
    for (const attempt of log) expect(attempt.latencyMs).toBeGreaterThanOrEqual(0);
    // The schedule was kept: about 200 ms between attempts.
    const times = log.map((attempt) => Date.parse(attempt.attemptedAt));
    for (let i = 1; i < times.length; i++)
      expect(
        defined(times[i], 'an attempt') - defined(times[i - 1], 'an attempt'),
      ).toBeGreaterThanOrEqual(170);
  });

  it('retries a receiver slower than the timeout, with the same webhook-id', async () => {
    let answered = 0;
    const receiver = await startReceiver(() =>
      ++answered === 1 ? { status: 200, delayMs: TIMEOUT_MS * 3 } : { status: 204 },
    );
    const { apiKey, partnerId, endpointId, secret } = await setup(receiver);
    const eventId = await emit(partnerId, 'organization.created', organizationCreated('Slow'));
    await waitFor(async () => (await deliveryLog(apiKey, endpointId))[0]?.status === 'succeeded');
    const [delivery] = await deliveryLog(apiKey, endpointId);
    expect(delivery.attemptLog.map((a: any) => [a.statusCode, a.error])).toEqual([
      [null, `timed out after ${TIMEOUT_MS} ms`],
      [204, null],
    ]);
    // The slow receiver did get the first request: at least once, the duplicate is recognisable.
    const requests = receiver.of(eventId);
    expect(requests).toHaveLength(2);
    for (const request of requests) expect(verify(secret, request)).toMatchObject({ id: eventId });
  });

  it('never sends an acknowledged event again, except by manual retry', async () => {
    const receiver = await startReceiver();
    const { apiKey, partnerId, endpointId, secret } = await setup(receiver);
    const eventId = await emit(partnerId, 'organization.created', organizationCreated('Once'));
    await waitFor(() => receiver.of(eventId).length === 1);
    await drained(5); // five retry intervals later, with the dispatcher draining throughout
    expect(receiver.of(eventId)).toHaveLength(1);

    const [delivery] = await deliveryLog(apiKey, endpointId);
    const retried = await server.request(
      'POST',
      `${HOOKS}/${endpointId}/deliveries/${delivery.id}/retry`,
      { apiKey },
    );
    expect(retried.status).toBe(200);
    expect(retried.body.delivery).toMatchObject({
      id: delivery.id,
      status: 'pending',
      attempts: 0,
    });
    await waitFor(() => receiver.of(eventId).length === 2);
    const [first, second] = receiver.of(eventId);
    expect(second?.headers['webhook-id']).toBe(first?.headers['webhook-id']);
    expect(verify(secret, defined(second, 'the retry'))).toEqual(
      verify(secret, defined(first, 'the first request')),
    );
    await waitFor(async () => (await deliveryLog(apiKey, endpointId))[0]?.status === 'succeeded');
    expect((await deliveryLog(apiKey, endpointId))[0].attemptLog).toHaveLength(2);
  });

  it('signs with the rotated secret from the next attempt on', async () => {
    const receiver = await startReceiver();
    const { apiKey, partnerId, endpointId, secret } = await setup(receiver);
    const rotated = await server.request('POST', `${HOOKS}/${endpointId}/rotate-secret`, {
      apiKey,
    });
    const eventId = await emit(partnerId, 'credits.granted', { organizationId: randomUUID() });
    await waitFor(() => receiver.of(eventId).length === 1);
    const request = defined(receiver.of(eventId)[0], 'the delivered request');
    expect(verify(rotated.body.secret, request)).toMatchObject({ id: eventId });
    expect(() => verify(secret, request)).toThrow();
  });

  it('sends a webhook.test event to that endpoint only, through the delivery log', async () => {
    const receiver = await startReceiver();
    const other = await startReceiver();
    const { apiKey, endpointId, secret } = await setup(receiver);
    const otherEndpoint = await server.request('POST', HOOKS, { apiKey, body: { url: other.url } });
    expect(otherEndpoint.status).toBe(201);

    const sent = await server.request('POST', `${HOOKS}/${endpointId}/test`, { apiKey });
    expect(sent.status).toBe(201);
    expect(sent.body.delivery).toMatchObject({ eventType: 'webhook.test', status: 'pending' });
    const eventId = sent.body.delivery.eventId as string;
    await waitFor(() => receiver.of(eventId).length === 1);
    const received = verify(secret, defined(receiver.of(eventId)[0], 'the test event'));
    // The body is the documented WebhookTestEvent.
    expect(eventEnvelopeSchema(TEST_EVENT_TYPE).safeParse(received).error).toBeUndefined();
    expect(received).toMatchObject({
      id: eventId,
      type: 'webhook.test',
      version: 1,
      data: { endpointId, message: expect.any(String) },
    });
    await waitFor(async () => (await deliveryLog(apiKey, endpointId))[0]?.status === 'succeeded');
    await drained();
    expect(other.received).toEqual([]);
  });

  it('fails a delivery that exhausts its schedule and disables an endpoint with no success since', async () => {
    const receiver = await startReceiver(() => ({ status: 503, body: 'down for maintenance' }));
    const { apiKey, partnerId, endpointId } = await setup(receiver);
    const eventId = await emit(partnerId, 'organization.created', organizationCreated('Doomed'));
    await waitFor(
      async () => (await deliveryLog(apiKey, endpointId))[0]?.status === 'failed',
      10_000,
    );
    expect(receiver.of(eventId)).toHaveLength(SCHEDULE.length);
    const [delivery] = await deliveryLog(apiKey, endpointId);
    expect(delivery).toMatchObject({ attempts: 8, lastStatusCode: 503, nextAttemptAt: null });
    expect(delivery.failureReason).toMatch(
      /^All 8 attempts failed; the last: HTTP 503\. The endpoint was disabled/,
    );
    expect(delivery.attemptLog).toHaveLength(8);

    const { endpoint } = (await server.request('GET', `${HOOKS}/${endpointId}`, { apiKey })).body;
    expect(endpoint.enabled).toBe(false);
    expect(endpoint.disabledReason).toContain(`delivery ${delivery.id}`);
    expect(endpoint.disabledReason).toContain('no delivery to this endpoint succeeded');

    // Disabled: later events are not queued for it, and a manual retry is refused until enabled.
    const later = await emit(partnerId, 'organization.created', organizationCreated('Later'));
    const retry = `${HOOKS}/${endpointId}/deliveries/${delivery.id}/retry`;
    expectError(await server.request('POST', retry, { apiKey }), 422, 'webhook_endpoint_disabled');
    receiver.setReply(() => ({ status: 200 }));
    const enabled = await server.request('PUT', `${HOOKS}/${endpointId}`, {
      apiKey,
      body: { enabled: true },
    });
    expect(enabled.body.endpoint).toMatchObject({ enabled: true, disabledReason: null });
    expect((await server.request('POST', retry, { apiKey })).status).toBe(200);
    await waitFor(async () => (await deliveryLog(apiKey, endpointId))[0]?.status === 'succeeded');
    expect(receiver.of(later)).toEqual([]);
  });

  it('keeps an endpoint that answered other deliveries while one failed', async () => {
    const failing = randomUUID();
    const receiver = await startReceiver((request) =>
      request.id === failing ? { status: 500 } : { status: 200 },
    );
    const { apiKey, partnerId, endpointId } = await setup(receiver);
    await emit(partnerId, 'organization.created', organizationCreated('Poison'), failing);
    await waitFor(() => receiver.of(failing).length === 2);
    const healthy = await emit(partnerId, 'credits.granted', { organizationId: randomUUID() });
    await waitFor(
      async () => (await deliveryLog(apiKey, endpointId)).every((d) => d.status !== 'pending'),
      10_000,
    );
    const log = await deliveryLog(apiKey, endpointId);
    expect(Object.fromEntries(log.map((d) => [d.eventId, d.status]))).toEqual({
      [failing]: 'failed',
      [healthy]: 'succeeded',
    });
    expect(log.find((d) => d.eventId === failing).failureReason).toBe(
      'All 8 attempts failed; the last: HTTP 500',
    );
    const { endpoint } = (await server.request('GET', `${HOOKS}/${endpointId}`, { apiKey })).body;
    expect(endpoint).toMatchObject({ enabled: true, disabledReason: null });
  });

  it('never sends one attempt twice, however many dispatchers drain at once', async () => {
    const receiver = await startReceiver();
    const { partnerId, endpointId } = await setup(receiver);
    const ids = Array.from({ length: 200 }, () => randomUUID());
    await server.db
      .insertInto('events')
      .values(
        ids.map((id) => ({
          id,
          partner_id: partnerId,
          organization_id: null,
          type: 'usage.recorded',
          data: '{}',
        })),
      )
      .execute();
    // Two more dispatchers beside the worker's, as other worker processes would be.
    const others = [1, 2].map(() =>
      webhooks.createDispatcher(server.db, {
        allowHttpWebhooks: true,
        schedule: SCHEDULE,
        timeoutMs: TIMEOUT_MS,
        concurrency: 8,
      }),
    );
    await Promise.all(others.map((dispatcher) => dispatcher.drain()));
    await waitFor(async () => {
      const { n } = await server.db
        .selectFrom('webhook_deliveries')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('endpoint_id', '=', endpointId)
        .where('status', '=', 'succeeded')
        .executeTakeFirstOrThrow();
      return Number(n) === ids.length;
    });
    // Some attempts may time out under this load and be retried; what must never happen is two
    // attempts of one delivery at once: each begins after the one before it ended.
    const attempts = await server.db
      .selectFrom('webhook_attempts as a')
      .innerJoin('webhook_deliveries as d', 'd.id', 'a.delivery_id')
      .select(['d.event_id', 'a.attempted_at', 'a.latency_ms'])
      .where('d.endpoint_id', '=', endpointId)
      .orderBy('a.attempted_at')
      .execute();
    const byEvent = new Map<string, typeof attempts>();
    for (const attempt of attempts)
      byEvent.set(attempt.event_id, [...(byEvent.get(attempt.event_id) ?? []), attempt]);
    expect(new Set(receiver.received.map((request) => request.id))).toEqual(new Set(ids));
    for (const id of ids) {
      const log = defined(byEvent.get(id), `the attempts of ${id}`);
      expect(receiver.of(id).length).toBeLessThanOrEqual(log.length);
      // Each attempt starts after the one before it ended.
      log.slice(1).forEach((attempt, i) => {
        const before = defined(log[i], 'the attempt before');
        expect(attempt.attempted_at.getTime()).toBeGreaterThanOrEqual(
          before.attempted_at.getTime() + before.latency_ms - 1,
        );
      });
    }
  });

  it('pages the delivery log newest first, by cursor', async () => {
    const receiver = await startReceiver();
    const { apiKey, partnerId, endpointId } = await setup(receiver);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(await emit(partnerId, 'credits.granted', { organizationId: randomUUID() }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await server.request(
        'GET',
        `${HOOKS}/${endpointId}/deliveries?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { apiKey },
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.deliveries.map((d: any) => d.eventId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const pending = await server.request('GET', `${HOOKS}/${endpointId}/deliveries?status=failed`, {
      apiKey,
    });
    expect(pending.body).toEqual({ deliveries: [], nextCursor: null });
  });
});
