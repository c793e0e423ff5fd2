// A partner invoicing its organizations: a welcome credit, a purchase invoiced at its cost basis
// with the credit applied, the payment; balances, events, numbering and isolation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { ORGS } from './paths.ts';

let server: TestServer;
let now = new Date('2031-01-10T12:00:00.000Z');
beforeAll(async () => {
  server = await startTestServer({ now: () => now });
  const created = await server.request('POST', '/operator/credit-types', {
    operator: true,
    body: { key: 'usd', name: 'US dollar credit', unit: 'cent', currency: 'USD' },
  });
  expect(created.status).toBe(201);
});
afterAll(() => server.close());

const DAY = 86_400_000;

async function partnerWithClient(billingMode = 'external') {
  const { apiKey, partner } = await server.createPartner({ billingMode, poolCredits: 100_000 });
  const as = (method: string, path: string, body?: unknown) =>
    server.request(method, path, { apiKey, body });
  const created = await as('POST', ORGS, { name: 'Acme Dental', tier: 'paid' });
  expect(created.status).toBe(201);
  return { apiKey, partnerId: partner.id as string, as, orgId: created.body.organization.id as string };
}

describe('a purchase invoiced at its cost basis, a welcome credit applied (the seed 004 flow)', () => {
  it('bills $400.00, applies $25.00 and leaves $375.00 due; the payment settles it', async () => {
    now = new Date('2031-01-10T12:00:00.000Z');
    const { as, orgId, partnerId } = await partnerWithClient();
    expect((await as('PUT', '/partner/pricing', { currency: 'USD' })).status).toBe(200);
    const welcome = await as('POST', `${ORGS}/${orgId}/credits/grants`, {
      creditType: 'usd',
      amount: 2500,
      kind: 'promotional',
      expiresAt: new Date(now.getTime() + 90 * DAY).toISOString(),
      reason: 'Welcome credit',
    });
    expect(welcome.status).toBe(201);
    expect(welcome.body.invoice).toBeUndefined();

    const sale = await as('POST', `${ORGS}/${orgId}/credits/grants`, {
      amount: 10_000,
      kind: 'purchased',
      costBasis: '0.04',
      invoice: true,
      reason: 'Starter pack',
    });
    expect(sale.status).toBe(201);
    const invoice = sale.body.invoice;
    expect(invoice).toMatchObject({
      number: 'INV-000001',
      organizationId: orgId,
      status: 'issued',
      currency: 'USD',
      subtotal: '400.00',
      creditsApplied: '25.00',
      total: '375.00',
      amountDue: '375.00',
      issuer: { type: 'partner', id: partnerId },
      customer: { type: 'organization', id: orgId, legalName: 'Acme Dental' },
    });
    expect(invoice.lines).toMatchObject([
      { quantity: 10_000, unitPrice: '0.04', amount: '400.00', source: { kind: 'purchase' } },
    ]);

    const balances = (await as('GET', `${ORGS}/${orgId}/credits`)).body.balances;
    expect(balances.find((b: { creditType: string }) => b.creditType === 'usd')).toMatchObject({
      currency: 'USD',
      available: 0,
      pending: 2500,
      expiringSoon: 0,
    });
    expect(
      balances.find((b: { creditType: string }) => b.creditType === 'identification'),
    ).toMatchObject({ available: 10_000, pending: 0, currency: null });

    const paid = await as('POST', `/partner/invoices/${invoice.id}/payments`, {
      amount: '375.00',
      method: 'card',
    });
    expect(paid.status).toBe(200);
    expect(paid.body.invoice).toMatchObject({ status: 'paid', amountDue: '0.00' });
    const after = (await as('GET', `${ORGS}/${orgId}/credits`)).body.balances;
    expect(after.find((b: { creditType: string }) => b.creditType === 'usd')).toMatchObject({
      available: 0,
      pending: 0,
    });
    const events = await server.db
      .selectFrom('events')
      .select(['type', 'organization_id'])
      .where('partner_id', '=', partnerId)
      .where('type', 'like', 'client_invoice.%')
      .orderBy('id')
      .execute();
    expect(events).toEqual([
      { type: 'client_invoice.issued', organization_id: orgId },
      { type: 'client_invoice.paid', organization_id: orgId },
    ]);
  });
});
