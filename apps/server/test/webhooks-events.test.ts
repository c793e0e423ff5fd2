// Every event type, caused through the API as a partner would cause it, delivered by the real
// job worker to a real receiver, with a signature the standardwebhooks verifier accepts and a
// payload that validates against its versioned schema.
import { services } from '@allot/api';
import { defined, EVENT_TYPES, eventEnvelopeSchema, type EventType } from '@allot/domain';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type Worker } from '../src/worker.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { startReceiver, waitFor, type Receiver } from './webhook-receiver.ts';
import { ORGS } from './paths.ts';
import { companyPerAddress, tripChargeGuards } from './guard-events.ts';
import { tripClientInvoiceEvents, tripInvoiceEvents } from './invoice-events.ts';

let now = new Date('2030-03-10T12:00:00.000Z');
let server: TestServer;
let worker: Worker;
let receiver: Receiver;
beforeAll(async () => {
  server = await startTestServer({
    allowHttpWebhooks: true,
    now: () => now,
    identity: companyPerAddress,
    trustProxy: ['127.0.0.1'],
  });
  worker = await startWorker({
    db: server.db,
    databaseUrl: server.databaseUrl,
    clock: () => now,
    webhooks: { allowHttpWebhooks: true, retrySchedule: [0, 200, 200, 200], timeoutMs: 2000 },
  });
  receiver = await startReceiver();
}, 60_000);
afterAll(async () => {
  await worker.stop();
  await receiver.down();
  await server.close();
});

describe('every event type reaches a webhook endpoint', () => {
  it('signed, and matching its schema', async () => {
    const { apiKey, partner } = await server.createPartner({ poolCredits: 1000 });
    const endpoint = await server.request('POST', '/partner/webhooks', {
      apiKey,
      body: { url: receiver.url },
    });
    expect(endpoint.status).toBe(201);
    const secret = endpoint.body.secret as string;
    const call = async (method: string, path: string, body?: unknown, key?: string) => {
      const response = await server.request(method, path, {
        apiKey,
        body,
        ...(key && { headers: { 'idempotency-key': key } }),
      });
      expect(response.status, `${method} ${path} ${JSON.stringify(response.body)}`).toBeLessThan(
        300,
      );
      return response.body;
    };

    // organization.created, credits.allocated
    const created = await call('POST', ORGS, { name: 'Acme', tier: 'paid', initialCredits: 20 });
    const org = `${ORGS}/${created.organization.id}`;
    await call('PUT', org, { name: 'Acme Ltd' }); // organization.updated
    await call('PUT', `${org}/status`, { enabled: false }); // organization.status_changed
    await call('PUT', `${org}/status`, { enabled: true });
    // credits.granted, then credits.voided
    const grant = await call('POST', `${org}/credits/grants`, { amount: 5, reason: 'trial' });
    await call('POST', `${org}/credits/grants/${grant.grant.id}/void`, { reason: 'oops' });
    // credit_balance.dropped (at 10), auto_top_up.applied (at 5), then depleted: 20 used.
    await call('PUT', `${org}/balance-alerts`, { thresholds: [{ credits: 10 }] });
    await call('PUT', `${org}/auto-top-up`, { threshold: 5, amount: 10, maxPerPeriod: 1 });
    for (let i = 0; i < 15; i += 1)
      await call('POST', `${org}/credits/consumptions`, { amount: 1 }, `c-${i}`);
    await waitFor(async () =>
      (await server.db.selectFrom('auto_top_ups').select('status').execute()).some(
        (row) => row.status === 'applied',
      ),
    );
    // 15 left: down to zero (depleted), a second crossing of 5 fails (maxPerPeriod reached).
    await call('POST', `${org}/credits/consumptions`, { amount: 15 }, 'to-zero');
    await call('PUT', `${org}/credits`, { credits: 30 }); // credit_balance.recovered
    // usage.recorded: an identification in a minute now over.
    const visitor = await server.db
      .insertInto('visitors')
      .values({
        id: randomUUID(),
        partner_id: partner.id,
        organization_id: created.organization.id,
        client_id: 'visitor-usage',
        first_seen_at: now,
        last_seen_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await server.db
      .insertInto('identifications')
      .values({
        id: randomUUID(),
        partner_id: partner.id,
        organization_id: created.organization.id,
        visitor_id: visitor.id,
        credits: 1,
        identified_at: new Date(now.getTime() - 5 * 60_000),
        period_start: new Date('2030-03-01T00:00:00Z'),
      })
      .execute();
    await services.recordUsage(server.db, now);
    // pixel.anomaly and credit_usage.cap_reached, through the pixel.
    await tripChargeGuards(server, apiKey, created.organization.id);
    // invoice.issued, .paid, .voided and .overdue: the operator invoices the partner.
    await tripInvoiceEvents(server, partner.id, now);
    // client_invoice.*: the partner invoices its organization.
    await tripClientInvoiceEvents(server, apiKey, created.organization.id, now);
    // billing_period.renewed and credits.expired: the next period.
    now = new Date('2030-04-01T00:00:01.000Z');
    await call('GET', org);
    await services.expireDueCredits(server.db, now);

    await waitFor(() => {
      const types = new Set(receiver.received.map((r) => JSON.parse(r.body).type as string));
      return EVENT_TYPES.every((type) => types.has(type));
    }, 20_000);
    const received = receiver.received;

    const verifier = new Webhook(secret);
    for (const request of received) {
      const headers = Object.fromEntries(
        ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => [
          name,
          String(request.headers[name]),
        ]),
      );
      const verified = verifier.verify(request.body, headers) as { type: EventType; id: string };
      expect(verified.id).toBe(request.id);
      const parsed = eventEnvelopeSchema(verified.type).safeParse(verified);
      expect(parsed.success, `${verified.type}: ${JSON.stringify(parsed.error?.issues)}`).toBe(
        true,
      );
    }
    const types = received.map((r) => JSON.parse(r.body).type);
    expect(new Set(types)).toEqual(new Set(EVENT_TYPES));
    const failed = received.find((r) => JSON.parse(r.body).type === 'auto_top_up.failed');
    expect(JSON.parse(defined(failed, 'the failed top-up event').body).data.reason).toBe(
      'max_per_period_reached',
    );
  }, 60_000);
});
