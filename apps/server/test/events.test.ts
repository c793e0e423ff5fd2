import { services } from '@allot/api';
import { defined, EVENT_TYPES, eventDataSchemas, type EventType } from '@allot/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { ORGS } from './paths.ts';
import { companyPerAddress, tripChargeGuards } from './guard-events.ts';
import { tripClientInvoiceEvents, tripInvoiceEvents } from './invoice-events.ts';

let server: TestServer;
let now = new Date('2030-03-10T12:00:00.000Z');
beforeAll(async () => {
  server = await startTestServer({
    now: () => now,
    identity: companyPerAddress,
    trustProxy: ['127.0.0.1'],
  });
});
afterAll(() => server.close());

async function eventsOf(partnerId: string, type?: EventType) {
  let query = server.db
    .selectFrom('events')
    .selectAll()
    .where('partner_id', '=', partnerId)
    .orderBy('created_at')
    .orderBy('id');
  if (type) query = query.where('type', '=', type);
  return query.execute();
}

async function partnerWithOrg(
  org: Record<string, unknown> = {},
  partner: Record<string, unknown> = {},
) {
  const created = await server.createPartner({ poolCredits: 1000, ...partner });
  const response = await server.request('POST', ORGS, {
    apiKey: created.apiKey,
    body: { name: 'Client', tier: 'paid', initialCredits: 100, ...org },
  });
  expect(response.status).toBe(201);
  return {
    apiKey: created.apiKey,
    partnerId: created.partner.id,
    orgId: response.body.organization.id as string,
  };
}

const consume = (apiKey: string, orgId: string, key: string, amount = 1) =>
  server.request('POST', `${ORGS}/${orgId}/credits/consumptions`, {
    apiKey,
    body: { amount },
    headers: { 'idempotency-key': key },
  });

describe('events are written with the change they describe', () => {
  it('organizations: created, updated (naming the fields), status changed', async () => {
    const { apiKey, partnerId, orgId } = await partnerWithOrg({ externalId: 'crm-1' });
    await server.request('PUT', `${ORGS}/${orgId}`, {
      apiKey,
      body: { name: 'Renamed', metadata: { plan: 'gold' } },
    });
    await server.request('PUT', `${ORGS}/${orgId}/status`, { apiKey, body: { enabled: false } });
    await server.request('PUT', `${ORGS}/${orgId}/tier`, { apiKey, body: { tier: 'paid' } });

    const events = await eventsOf(partnerId);
    const ofOrg = events.filter((e) => e.type.startsWith('organization.'));
    expect(ofOrg.map((e) => [e.type, e.data])).toEqual([
      [
        'organization.created',
        {
          organizationId: orgId,
          name: 'Client',
          externalId: 'crm-1',
          tier: 'paid',
          productType: 'B2B',
          status: 'active',
        },
      ],
      ['organization.updated', { organizationId: orgId, changed: ['name', 'metadata'] }],
      [
        'organization.status_changed',
        { organizationId: orgId, status: 'suspended', previousStatus: 'active' },
      ],
    ]);
    // The tier did not change: nothing to tell.
    expect(ofOrg.every((e) => e.organization_id === orgId)).toBe(true);
  });

  it('credits: allocated, granted, voided', async () => {
    const { apiKey, partnerId, orgId } = await partnerWithOrg();
    await server.request('PUT', `${ORGS}/${orgId}/credits`, { apiKey, body: { credits: 150 } });
    const granted = await server.request('POST', `${ORGS}/${orgId}/credits/grants`, {
      apiKey,
      body: {
        amount: 30,
        reason: 'welcome',
        kind: 'promotional',
        expiresAt: '2031-01-01T00:00:00Z',
      },
    });
    const grantId = granted.body.grant.id as string;
    await server.request('POST', `${ORGS}/${orgId}/credits/grants/${grantId}/void`, {
      apiKey,
      body: { reason: 'mistake' },
    });

    const data = async (type: EventType) => (await eventsOf(partnerId, type)).map((e) => e.data);
    expect(await data('credits.allocated')).toEqual([
      { organizationId: orgId, creditType: 'identification', allocated: 100, previousAllocated: 0 },
      {
        organizationId: orgId,
        creditType: 'identification',
        allocated: 150,
        previousAllocated: 100,
      },
    ]);
    expect(await data('credits.granted')).toEqual([
      {
        organizationId: orgId,
        grantId,
        creditType: 'identification',
        amount: 30,
        kind: 'promotional',
        expiresAt: '2031-01-01T00:00:00.000Z',
        reason: 'welcome',
      },
    ]);
    expect(await data('credits.voided')).toEqual([
      {
        organizationId: orgId,
        grantId,
        creditType: 'identification',
        amount: 30,
        reason: 'mistake',
      },
    ]);
  });

  it('a change that is refused or rolled back leaves no event', async () => {
    const created = await server.createPartner({ poolCredits: 100 });
    // Creating the organization would emit organization.created, but its allocation is refused.
    const refused = await server.request('POST', ORGS, {
      apiKey: created.apiKey,
      body: { name: 'Too big', tier: 'paid', initialCredits: 500 },
    });
    expect(refused.status).toBe(422);
    expect(await eventsOf(created.partner.id)).toEqual([]);

    // An emit inside a transaction that then fails.
    await expect(
      server.db.transaction().execute(async (trx) => {
        await services.emitEvent(trx, {
          partnerId: created.partner.id,
          organizationId: null,
          type: 'credits.expired',
          data: { organizationId: created.partner.id, creditType: 'identification', amount: 1 },
        });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await eventsOf(created.partner.id)).toEqual([]);
  });

  it('periods: the renewal and the expiry of what was left, but no depleted/recovered in between', async () => {
    const start = now;
    try {
      const { apiKey, partnerId, orgId } = await partnerWithOrg();
      await consume(apiKey, orgId, 'before-renewal', 40);
      now = new Date('2030-04-01T00:00:05.000Z');
      // Any request renews what is due.
      await server.request('GET', `${ORGS}/${orgId}`, { apiKey });
      await services.expireDueCredits(server.db, now);

      expect((await eventsOf(partnerId, 'billing_period.renewed')).map((e) => e.data)).toEqual([
        {
          organizationId: orgId,
          periodStart: '2030-04-01T00:00:00.000Z',
          periodEnd: '2030-05-01T00:00:00.000Z',
          allowance: 100,
          granted: 100,
        },
      ]);
      expect((await eventsOf(partnerId, 'credits.expired')).map((e) => e.data)).toEqual([
        { organizationId: orgId, creditType: 'identification', amount: 60 },
      ]);
      // 60 -> 0 -> 100 inside one transaction: nobody saw zero.
      expect(await eventsOf(partnerId, 'credit_balance.depleted')).toEqual([]);
      expect(await eventsOf(partnerId, 'credit_balance.recovered')).toEqual([]);
    } finally {
      now = start;
    }
  });
});

describe('balance alerts', () => {
  it('100 concurrent consumptions crossing thresholds: one dropped each, one depleted; a grant recovers once', async () => {
    const { apiKey, partnerId, orgId } = await partnerWithOrg();
    const alerts = await server.request('PUT', `${ORGS}/${orgId}/balance-alerts`, {
      apiKey,
      body: { thresholds: [{ credits: 50 }, { percent: 10 }] },
    });
    expect(alerts.status).toBe(200);

    const results = await Promise.all(
      Array.from({ length: 120 }, (_, i) => consume(apiKey, orgId, `burst-${i}`)),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(100);

    const dropped = await eventsOf(partnerId, 'credit_balance.dropped');
    expect(dropped.map((e) => (e.data as { threshold: object }).threshold)).toEqual(
      expect.arrayContaining([
        { credits: 50, level: 50 },
        { percent: 10, level: 10 },
      ]),
    );
    expect(dropped).toHaveLength(2);
    const depleted = await eventsOf(partnerId, 'credit_balance.depleted');
    expect(depleted.map((e) => e.data)).toEqual([
      { organizationId: orgId, creditType: 'identification', balance: 0, previousBalance: 1 },
    ]);

    await server.request('POST', `${ORGS}/${orgId}/credits/grants`, {
      apiKey,
      body: { amount: 5, reason: 'goodwill' },
    });
    const recovered = await eventsOf(partnerId, 'credit_balance.recovered');
    expect(recovered.map((e) => e.data)).toEqual([
      { organizationId: orgId, creditType: 'identification', balance: 5, previousBalance: 0 },
    ]);
    const read = await server.request('GET', `${ORGS}/${orgId}/balance-alerts`, { apiKey });
    expect(read.body.alerts).toEqual([
      {
        creditType: 'identification',
        thresholds: [{ credits: 50 }, { percent: 10 }],
        updatedAt: now.toISOString(),
      },
    ]);
  });

  it('depleted and recovered fire for an organization without alerts too', async () => {
    const { apiKey, partnerId, orgId } = await partnerWithOrg({ initialCredits: 3 });
    await Promise.all([0, 1, 2, 3].map((i) => consume(apiKey, orgId, `unwatched-${i}`)));
    expect((await eventsOf(partnerId, 'credit_balance.depleted')).map((e) => e.data)).toEqual([
      { organizationId: orgId, creditType: 'identification', balance: 0, previousBalance: 1 },
    ]);
    await server.request('PUT', `${ORGS}/${orgId}/credits`, { apiKey, body: { credits: 10 } });
    expect((await eventsOf(partnerId, 'credit_balance.recovered')).map((e) => e.data)).toEqual([
      { organizationId: orgId, creditType: 'identification', balance: 7, previousBalance: 0 },
    ]);
    expect(await eventsOf(partnerId, 'credit_balance.dropped')).toEqual([]);
  });

  it('refuses more than 10 thresholds and malformed ones', async () => {
    const { apiKey, orgId } = await partnerWithOrg();
    const tooMany = await server.request('PUT', `${ORGS}/${orgId}/balance-alerts`, {
      apiKey,
      body: { thresholds: Array.from({ length: 11 }, (_, i) => ({ credits: i })) },
    });
    expect(tooMany.status).toBe(400);
    const malformed = await server.request('PUT', `${ORGS}/${orgId}/balance-alerts`, {
      apiKey,
      body: { thresholds: [{ percent: 0 }, { credits: 5, percent: 5 }] },
    });
    expect(malformed.status).toBe(400);
  });
});

describe('auto top-up', () => {
  async function topUps(orgId: string) {
    return server.db
      .selectFrom('auto_top_ups')
      .select(['status', 'reason', 'amount'])
      .where('organization_id', '=', orgId)
      .orderBy('created_at')
      .execute();
  }

  it('grants once per crossing under concurrency, up to maxPerPeriod, drawing from the pool', async () => {
    const { apiKey, partnerId, orgId } = await partnerWithOrg(
      { initialCredits: 100 },
      { poolCredits: 200 },
    );
    const rule = await server.request('PUT', `${ORGS}/${orgId}/auto-top-up`, {
      apiKey,
      body: { threshold: 10, amount: 50, maxPerPeriod: 2, expiresAfterDays: 30 },
    });
    expect(rule.status).toBe(200);

    // 95 at once: one crossing of 10.
    await Promise.all(Array.from({ length: 95 }, (_, i) => consume(apiKey, orgId, `a-${i}`)));
    expect(await topUps(orgId)).toEqual([{ status: 'pending', reason: null, amount: 50 }]);
    expect(await services.applyAutoTopUps(server.db, () => now)).toBe(1);
    // Applying again finds nothing: once per crossing.
    expect(await services.applyAutoTopUps(server.db, () => now)).toBe(0);
    let balances = await server.request('GET', `${ORGS}/${orgId}/credits`, { apiKey });
    expect(balances.body.balances[0].available).toBe(55);
    const pool = await server.request('GET', '/partner/billing', { apiKey });
    expect(pool.body.creditsUnallocated).toBe(50);

    // The second crossing: the second top-up of the period.
    await Promise.all(Array.from({ length: 50 }, (_, i) => consume(apiKey, orgId, `b-${i}`)));
    await services.applyAutoTopUps(server.db, () => now);
    // The third: maxPerPeriod reached.
    await Promise.all(Array.from({ length: 50 }, (_, i) => consume(apiKey, orgId, `c-${i}`)));
    await services.applyAutoTopUps(server.db, () => now);
    expect(await topUps(orgId)).toEqual([
      { status: 'applied', reason: null, amount: 50 },
      { status: 'applied', reason: null, amount: 50 },
      { status: 'failed', reason: 'max_per_period_reached', amount: 50 },
    ]);
    balances = await server.request('GET', `${ORGS}/${orgId}/credits`, { apiKey });
    expect(balances.body.balances[0].available).toBe(5);

    const applied = await eventsOf(partnerId, 'auto_top_up.applied');
    expect(applied).toHaveLength(2);
    const failed = await eventsOf(partnerId, 'auto_top_up.failed');
    expect(failed.map((e) => (e.data as { reason: string }).reason)).toEqual([
      'max_per_period_reached',
    ]);
    const read = await server.request('GET', `${ORGS}/${orgId}/auto-top-up`, { apiKey });
    expect(read.body.rules).toMatchObject([
      { threshold: 10, amount: 50, maxPerPeriod: 2, expiresAfterDays: 30 },
    ]);
    expect(read.body.recent.map((r: { status: string }) => r.status)).toEqual([
      'failed',
      'applied',
      'applied',
    ]);
  });

  it('fails with insufficient_pool_credits when the pool cannot cover it, and can be removed', async () => {
    const { apiKey, partnerId, orgId } = await partnerWithOrg(
      { initialCredits: 100 },
      { poolCredits: 120 },
    );
    await server.request('PUT', `${ORGS}/${orgId}/auto-top-up`, {
      apiKey,
      body: { threshold: 0, amount: 50, maxPerPeriod: 5 },
    });
    await Promise.all(Array.from({ length: 100 }, (_, i) => consume(apiKey, orgId, `p-${i}`)));
    await services.applyAutoTopUps(server.db, () => now);
    expect(await topUps(orgId)).toEqual([
      { status: 'failed', reason: 'insufficient_pool_credits', amount: 50 },
    ]);
    const [failed] = await eventsOf(partnerId, 'auto_top_up.failed');
    expect(failed?.data).toMatchObject({ reason: 'insufficient_pool_credits', amount: 50 });
    // Nothing was drawn.
    const pool = await server.request('GET', '/partner/billing', { apiKey });
    expect(pool.body.creditsUnallocated).toBe(20);

    expect(
      (await server.request('DELETE', `${ORGS}/${orgId}/auto-top-up`, { apiKey })).status,
    ).toBe(204);
    expect(
      (await server.request('DELETE', `${ORGS}/${orgId}/auto-top-up`, { apiKey })).status,
    ).toBe(404);
    const read = await server.request('GET', `${ORGS}/${orgId}/auto-top-up`, { apiKey });
    expect(read.body.rules).toEqual([]);
  });
});

describe('usage.recorded', () => {
  it('one batch per organization and minute with identifications, with a stable id', async () => {
    const { partnerId, orgId } = await partnerWithOrg();
    const visitor = await server.db
      .insertInto('visitors')
      .values({
        id: crypto.randomUUID(),
        partner_id: partnerId,
        organization_id: orgId,
        client_id: 'usage-visitor',
        first_seen_at: now,
        last_seen_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const at = (iso: string) => new Date(iso);
    await server.db
      .insertInto('identifications')
      .values(
        ['2030-03-10T11:58:10Z', '2030-03-10T11:58:50Z', '2030-03-10T11:59:30Z'].map((iso, i) => ({
          id: crypto.randomUUID(),
          partner_id: partnerId,
          organization_id: orgId,
          visitor_id: visitor.id,
          credits: 1,
          identified_at: at(iso),
          period_start: at(`2030-0${i + 1}-01T00:00:00Z`),
        })),
      )
      .execute();

    // At 12:00:30, 11:59 is not over for a minute yet: only 11:58 is batched.
    await services.recordUsage(server.db, at('2030-03-10T12:00:30Z'));
    let batches = await eventsOf(partnerId, 'usage.recorded');
    expect(batches.map((e) => e.data)).toEqual([
      {
        organizationId: orgId,
        externalId: null,
        creditType: 'identification',
        batchStart: '2030-03-10T11:58:00.000Z',
        batchEnd: '2030-03-10T11:59:00.000Z',
        identifications: 2,
        credits: 2,
        overage: 0,
      },
    ]);
    const firstId = defined(batches[0], 'the first batch').id;
    await services.recordUsage(server.db, at('2030-03-10T12:01:00Z'));
    await services.recordUsage(server.db, at('2030-03-10T12:01:00Z'));
    batches = await eventsOf(partnerId, 'usage.recorded');
    expect(batches.map((e) => (e.data as { batchStart: string }).batchStart)).toEqual([
      '2030-03-10T11:58:00.000Z',
      '2030-03-10T11:59:00.000Z',
    ]);
    expect(batches[0]?.id).toBe(firstId);
  });
});

describe('charge guards', () => {
  it('write pixel.anomaly and credit_usage.cap_reached once per window', async () => {
    const { apiKey, partnerId, orgId: id } = await partnerWithOrg();
    await tripChargeGuards(server, apiKey, id);
    await tripChargeGuards(server, apiKey, id);
    expect((await eventsOf(partnerId, 'pixel.anomaly')).map((e) => e.data)).toEqual([
      {
        organizationId: id,
        network: '203.0.113.0/24',
        threshold: 1,
        identifications: 2,
        hourStart: '2030-03-10T12:00:00.000Z',
        hourEnd: '2030-03-10T13:00:00.000Z',
      },
    ]);
    expect((await eventsOf(partnerId, 'credit_usage.cap_reached')).map((e) => e.data)).toEqual([
      {
        organizationId: id,
        scope: 'day',
        cap: 1,
        windowStart: '2030-03-10T00:00:00.000Z',
        windowEnd: '2030-03-11T00:00:00.000Z',
      },
    ]);
  });
});

describe('invoice events', () => {
  it('tell the partner of its invoices: issued, paid, voided, and once overdue', async () => {
    const { partnerId } = await partnerWithOrg();
    await tripInvoiceEvents(server, partnerId, now);
    await services.flagOverdueInvoices(server.db, new Date(now.getTime() + 86_400_000));
    const types = (await eventsOf(partnerId))
      .map((e) => e.type)
      .filter((t) => t.startsWith('invoice.'));
    expect(types).toEqual([
      'invoice.issued',
      'invoice.paid',
      'invoice.issued',
      'invoice.voided',
      'invoice.issued',
      'invoice.overdue',
    ]);
    const [issued] = await eventsOf(partnerId, 'invoice.issued');
    expect(issued?.data).toMatchObject({ currency: 'USD', total: '10.00', amountDue: '10.00' });
    expect(issued?.organization_id).toBeNull();
  });
});

describe('client invoice events', () => {
  it('tell the partner of its invoices to an organization: issued, paid, voided, overdue', async () => {
    const { apiKey, partnerId, orgId } = await partnerWithOrg();
    await tripClientInvoiceEvents(server, apiKey, orgId, now);
    const events = (await eventsOf(partnerId)).filter((e) => e.type.startsWith('client_invoice.'));
    expect(events.map((e) => e.type)).toEqual([
      'client_invoice.issued',
      'client_invoice.paid',
      'client_invoice.issued',
      'client_invoice.voided',
      'client_invoice.issued',
      'client_invoice.overdue',
    ]);
    expect(events.every((e) => e.organization_id === orgId)).toBe(true);
    expect(events[0]?.data).toMatchObject({
      organizationId: orgId,
      currency: 'USD',
      subtotal: '1.00',
      total: '1.00',
      amountDue: '1.00',
    });
    // None of them is one of the partner's own bills.
    expect((await eventsOf(partnerId)).some((e) => e.type.startsWith('invoice.'))).toBe(false);
  });
});

describe('every event in the outbox', () => {
  it('matches its versioned schema, and this file produced every type', async () => {
    const events = await server.db.selectFrom('events').select(['type', 'data']).execute();
    for (const event of events) {
      const schema = eventDataSchemas[event.type as EventType];
      expect(schema, event.type).toBeDefined();
      expect(
        schema.safeParse(event.data).success,
        `${event.type} ${JSON.stringify(event.data)}`,
      ).toBe(true);
    }
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(EVENT_TYPES));
  });
});
