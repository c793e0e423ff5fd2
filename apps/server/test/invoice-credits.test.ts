// Monetary credits on the operator's invoices: granted to a partner's wallet, applied at issue in
// burn order up to the total, pending until paid, given back by a void, never applied expired.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { invoicing } from './invoicing.ts';

let server: TestServer;
let now = new Date('2030-03-10T12:00:00.000Z');
beforeAll(async () => {
  server = await startTestServer({ now: () => now });
  const created = await server.request('POST', '/operator/credit-types', {
    operator: true,
    body: { key: 'usd', name: 'US dollar credit', unit: 'cent', currency: 'USD' },
  });
  expect(created.status).toBe(201);
});
afterAll(() => server.close());

const { operator, pricedPartner, organization, consume, issueNow } = invoicing(() => server);
const DAY = 86_400_000;

const grant = (partnerId: string, body: Record<string, unknown>) =>
  operator('POST', `/operator/partners/${partnerId}/credits/grants`, {
    creditType: 'usd',
    reason: 'Service credit INC-7',
    ...body,
  });

const wallet = async (apiKey: string) =>
  (await server.request('GET', '/partner/billing/credits', { apiKey })).body;

/** A partner billed $0.15 per credit its one organization consumes: 1,000 credits are $150.00. */
async function billedPartner(consumed: number) {
  now = new Date('2030-03-10T12:00:00.000Z');
  const partner = await pricedPartner(
    { billingMode: 'external', poolCredits: 0 },
    { currency: 'USD', usageUnitPrice: '0.15' },
  );
  const shop = await organization(partner.apiKey, 'Shop', consumed);
  if (consumed > 0) await consume(partner.apiKey, shop, consumed);
  return { ...partner, shop };
}

describe('credits applied to an invoice', () => {
  it('take $50.00 off $150.00, pending until paid, then spent (seed 004)', async () => {
    const partner = await billedPartner(1000);
    const granted = await grant(partner.id, { amount: 5000 });
    expect(granted.status).toBe(201);
    expect(granted.body.grant).toMatchObject({ amount: 5000, remaining: 5000, creditType: 'usd' });
    expect((await wallet(partner.apiKey)).balances).toEqual([
      {
        creditType: 'usd',
        currency: 'USD',
        available: 5000,
        pending: 0,
        expiringSoon: 0,
        availableAmount: '50.00',
        pendingAmount: '0.00',
      },
    ]);

    // The upcoming invoice shows the credits it would apply, and applies none.
    const draft = (
      await server.request('GET', '/partner/billing/invoices/upcoming', { apiKey: partner.apiKey })
    ).body.invoice;
    expect(draft).toMatchObject({ subtotal: '150.00', creditsApplied: '50.00', total: '100.00' });
    expect((await wallet(partner.apiKey)).balances[0]).toMatchObject({ available: 5000 });

    const invoice = (await issueNow(partner.id)).body.invoice;
    expect(invoice).toMatchObject({
      subtotal: '150.00',
      creditsApplied: '50.00',
      total: '100.00',
      amountDue: '100.00',
      status: 'issued',
    });
    expect((await wallet(partner.apiKey)).balances[0]).toMatchObject({
      available: 0,
      pending: 5000,
      pendingAmount: '50.00',
    });
    const events = await server.db
      .selectFrom('events')
      .select('data')
      .where('partner_id', '=', partner.id)
      .where('type', '=', 'credits.applied')
      .execute();
    expect(events.map((e) => e.data)).toEqual([
      {
        invoiceId: invoice.id,
        number: invoice.number,
        currency: 'USD',
        creditType: 'usd',
        credits: 5000,
        amount: '50.00',
      },
    ]);

    const paid = await operator('POST', `/operator/invoices/${invoice.id}/payments`, {
      amount: '100.00',
      method: 'bank_transfer',
    });
    expect(paid.body.invoice.status).toBe('paid');
    expect((await wallet(partner.apiKey)).balances[0]).toMatchObject({ available: 0, pending: 0 });
  });

  it('apply soonest expiring first, only up to the total, and never an expired credit', async () => {
    const partner = await billedPartner(200); // $30.00
    const lasting = (await grant(partner.id, { amount: 4000 })).body.grant;
    const soon = (await grant(partner.id, { amount: 1000, expiresAt: '2030-03-20T00:00:00Z' })).body
      .grant;
    const lapsed = (await grant(partner.id, { amount: 9000, expiresAt: '2030-03-11T00:00:00Z' }))
      .body.grant;
    now = new Date('2030-03-12T00:00:00.000Z');

    const invoice = (await issueNow(partner.id)).body.invoice;
    expect(invoice).toMatchObject({ subtotal: '30.00', creditsApplied: '30.00', total: '0.00' });
    // Nothing left to pay: paid as issued, so the credits are spent at once.
    expect(invoice.status).toBe('paid');
    const grants = (
      await server.request('GET', '/partner/billing/credits/grants', { apiKey: partner.apiKey })
    ).body.grants as { id: string; remaining: number; status: string }[];
    const byId = new Map(grants.map((g) => [g.id, g]));
    expect(byId.get(soon.id)).toMatchObject({ remaining: 0, status: 'depleted' });
    expect(byId.get(lasting.id)).toMatchObject({ remaining: 2000, status: 'active' });
    expect(byId.get(lapsed.id)).toMatchObject({ remaining: 0, status: 'expired' });
    expect((await wallet(partner.apiKey)).balances[0]).toMatchObject({
      available: 2000,
      pending: 0,
    });
  });

  it('come back when the invoice is voided, and are applied again by the next one', async () => {
    const partner = await billedPartner(1000);
    await grant(partner.id, { amount: 5000 });
    const invoice = (await issueNow(partner.id)).body.invoice;
    const voided = await operator('POST', `/operator/invoices/${invoice.id}/void`, {
      reason: 'Wrong profile',
    });
    expect(voided.body.invoice).toMatchObject({ status: 'void', creditsApplied: '50.00' });
    expect((await wallet(partner.apiKey)).balances[0]).toMatchObject({
      available: 5000,
      pending: 0,
    });
    const again = (await issueNow(partner.id)).body.invoice;
    expect(again).toMatchObject({ subtotal: '150.00', creditsApplied: '50.00', total: '100.00' });
    expect((await wallet(partner.apiKey)).balances[0]).toMatchObject({
      available: 0,
      pending: 5000,
    });
  });

  it('given back by a void after they expired or were voided, leave the wallet at once', async () => {
    const partner = await billedPartner(1000);
    await grant(partner.id, { amount: 3000, expiresAt: '2030-03-15T00:00:00Z' });
    const kept = (await grant(partner.id, { amount: 2000 })).body.grant;
    const invoice = (await issueNow(partner.id)).body.invoice;
    expect(invoice.creditsApplied).toBe('50.00');
    const voidedGrant = await operator(
      'POST',
      `/operator/partners/${partner.id}/credits/grants/${kept.id}/void`,
      { reason: 'Issued by mistake' },
    );
    expect(voidedGrant.body.grant).toMatchObject({ status: 'voided', remaining: 0 });
    now = new Date(now.getTime() + 10 * DAY);

    await operator('POST', `/operator/invoices/${invoice.id}/void`, { reason: 'Disputed' });
    expect((await wallet(partner.apiKey)).balances[0]).toMatchObject({
      available: 0,
      pending: 0,
    });
    // The books: 5,000 issued, 5,000 applied and given back, then 3,000 expired and 2,000 voided.
    const sums = await server.db
      .selectFrom('accounts')
      .select(['kind', 'balance'])
      .where('partner_id', '=', partner.id)
      .where('credit_type', '=', 'usd')
      .execute();
    expect(Object.fromEntries(sums.map((a) => [a.kind, a.balance]))).toEqual({
      issuance: -5000,
      wallet: 0,
      applied: 0,
      expiry: 3000,
      void: 2000,
    });
    const next = await issueNow(partner.id);
    expect(next.body.invoice).toMatchObject({ creditsApplied: '0.00', total: '150.00' });
  });
});

describe('monetary grants to a partner', () => {
  it('are refused in a unit credit type, an unknown type, for an unknown partner and in the past', async () => {
    const partner = await billedPartner(0);
    const unit = await grant(partner.id, { amount: 10, creditType: 'identification' });
    expect([unit.status, unit.body.error.code]).toEqual([422, 'not_monetary']);
    const unknown = await grant(partner.id, { amount: 10, creditType: 'gold' });
    expect([unknown.status, unknown.body.error.code]).toEqual([422, 'unknown_credit_type']);
    const nobody = await grant('00000000-0000-4000-8000-000000000000', { amount: 10 });
    expect(nobody.status).toBe(404);
    const past = await grant(partner.id, { amount: 10, expiresAt: '2030-01-01T00:00:00Z' });
    expect(past.body.error.code).toBe('expiry_in_past');
    expect((await grant(partner.id, { amount: 1.5 })).status).toBe(400);
    expect((await wallet(partner.apiKey)).balances).toEqual([]);
  });

  it('allow one monetary credit type per currency', async () => {
    const second = await operator('POST', '/operator/credit-types', {
      key: 'dollars',
      name: 'Dollars',
      unit: 'cent',
      currency: 'USD',
    });
    expect([second.status, second.body.error.code]).toEqual([409, 'currency_taken']);
  });

  it('are listed for the operator, and not another partner’s to void', async () => {
    const mine = await billedPartner(0);
    const theirs = await billedPartner(0);
    const given = (await grant(mine.id, { amount: 700 })).body.grant;
    const list = await operator('GET', `/operator/partners/${mine.id}/credits/grants`);
    expect(list.body.grants.map((g: { id: string }) => g.id)).toEqual([given.id]);
    const wrong = await operator(
      'POST',
      `/operator/partners/${theirs.id}/credits/grants/${given.id}/void`,
      { reason: 'x' },
    );
    expect(wrong.status).toBe(404);
  });
});
