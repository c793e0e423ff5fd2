// Client invoices under concurrency, on real PostgreSQL transactions: two workers and a bill-now
// at an organization's period boundary bill its fee once; a burst of priced top-ups, applied by
// workers racing each other, invoices each top-up once.
import { services } from '@allot/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { ORGS } from './paths.ts';

let server: TestServer;
let now = new Date('2031-03-10T12:00:00.000Z');
beforeAll(async () => {
  server = await startTestServer({ now: () => now });
});
afterAll(() => server.close());

async function pricedClient(pricing: Record<string, unknown>, org: Record<string, unknown> = {}) {
  now = new Date('2031-03-10T12:00:00.000Z');
  const { apiKey, partner } = await server.createPartner({ billingMode: 'usage_based' });
  const as = (method: string, path: string, body?: unknown) =>
    server.request(method, path, { apiKey, body });
  expect((await as('PUT', '/partner/pricing', { currency: 'USD', ...pricing })).status).toBe(200);
  const created = await as('POST', ORGS, { name: 'Busy clinic', tier: 'paid', ...org });
  expect(created.status).toBe(201);
  return { as, partnerId: partner.id, orgId: created.body.organization.id as string };
}

const linesOf = (orgId: string, kind: 'fee' | 'top_up') =>
  server.db
    .selectFrom('invoice_lines as l')
    .innerJoin('invoices as i', 'i.id', 'l.invoice_id')
    .select(['l.period_start', 'l.quantity', 'i.number'])
    .where('i.organization_id', '=', orgId)
    .where('i.status', '<>', 'void')
    .where('l.kind', '=', kind)
    .execute();

describe('client invoices under concurrency', () => {
  it('bill a period fee once when two workers and a bill-now meet at the boundary', async () => {
    for (let round = 0; round < 5; round += 1) {
      const { as, orgId } = await pricedClient({ periodFee: '49.00' });
      now = new Date('2031-04-01T00:00:00.500Z');
      const outcomes = await Promise.all([
        services.issueDueClientInvoices(server.db, now),
        services.issueDueClientInvoices(server.db, now),
        as('POST', `${ORGS}/${orgId}/invoices`),
      ]);
      expect([201, 422]).toContain((outcomes[2] as { status: number }).status);
      const fees = await linesOf(orgId, 'fee');
      expect(fees.map((f) => f.period_start.toISOString())).toEqual(['2031-04-01T00:00:00.000Z']);
      const numbers = (
        await server.db
          .selectFrom('invoices')
          .select('number')
          .where('organization_id', '=', orgId)
          .execute()
      ).map((row) => row.number);
      expect(numbers).toEqual(['INV-000001']);
    }
  });

  it('invoice each of a burst of priced top-ups once, whichever worker applies it', async () => {
    const { as, orgId } = await pricedClient(
      { creditUnitPrice: '0.09' },
      { initialCredits: 100, creditAllowance: 100 },
    );
    const rule = await as('PUT', `${ORGS}/${orgId}/auto-top-up`, {
      threshold: 50,
      amount: 100,
      maxPerPeriod: 20,
      unitPrice: '0.04',
    });
    expect(rule.status).toBe(200);
    // Each consumption crosses the threshold again once the last top-up has landed.
    for (let i = 0; i < 6; i += 1) {
      await Promise.all(
        Array.from({ length: 4 }, () =>
          as('POST', `${ORGS}/${orgId}/credits/consumptions`, { amount: 20 }),
        ),
      );
      await Promise.all([
        services.applyAutoTopUps(server.db, () => now),
        services.applyAutoTopUps(server.db, () => now),
        services.applyAutoTopUps(server.db, () => now),
      ]);
    }
    const applied = await server.db
      .selectFrom('auto_top_ups')
      .select(['grant_id'])
      .where('organization_id', '=', orgId)
      .where('status', '=', 'applied')
      .execute();
    expect(applied.length).toBeGreaterThan(1);
    const topUps = await linesOf(orgId, 'top_up');
    expect(topUps).toHaveLength(applied.length);
    expect(topUps.every((line) => line.quantity === 100)).toBe(true);
    // One invoice each, numbered without gaps.
    const numbers = topUps.map((line) => line.number).sort();
    expect(new Set(numbers).size).toBe(applied.length);
    expect(numbers).toEqual(numbers.map((_, i) => `INV-${String(i + 1).padStart(6, '0')}`));
    const sales = await server.db
      .selectFrom('client_purchases')
      .select('block_id')
      .where('organization_id', '=', orgId)
      .execute();
    expect(sales.map((s) => s.block_id).sort()).toEqual(applied.map((a) => a.grant_id).sort());
  });
});
