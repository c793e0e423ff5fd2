// A partner invoicing its organizations: a welcome credit, a purchase invoiced at its cost basis
// with the credit applied, the payment; balances, events, numbering and isolation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { ORGS } from './paths.ts';
import { linesOf } from './invoicing.ts';
import { services } from '@allot/api';
import { pdfText } from './pdf-text.ts';

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
  return {
    apiKey,
    partnerId: partner.id,
    as,
    orgId: created.body.organization.id as string,
  };
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

/** One client of a usage_based partner on a billing cycle, priced, branded, with usd credits. */
async function pricedClient(cycle: string) {
  now = new Date('2031-01-10T12:00:00.000Z');
  const { as, orgId, partnerId, apiKey } = await (async () => {
    const { apiKey, partner } = await server.createPartner({ billingMode: 'usage_based' });
    const as = (method: string, path: string, body?: unknown) =>
      server.request(method, path, { apiKey, body });
    expect(
      (
        await as('PUT', '/partner/branding', {
          displayName: 'Northwind Digital',
          invoicePrefix: 'NW-',
          primaryColor: '#1F6FEB',
          supportEmail: 'billing@northwind.example',
          footer: 'Thank you for your business.',
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await as('PUT', '/partner/pricing', {
          currency: 'USD',
          periodFee: '99.00',
          overageUnitPrice: '0.10',
          creditUnitPrice: '0.05',
          taxRate: '0.2',
          paymentTermsDays: 15,
        })
      ).status,
    ).toBe(200);
    const created = await as('POST', ORGS, {
      name: `Clinic ${cycle}`,
      tier: 'paid',
      initialCredits: 100,
      creditAllowance: 100,
      billingPeriod: cycle,
    });
    expect(created.status).toBe(201);
    return { apiKey, partnerId: partner.id, as, orgId: created.body.organization.id };
  })();
  const usd = (amount: number, expiresAt?: string) =>
    as('POST', `${ORGS}/${orgId}/credits/grants`, {
      creditType: 'usd',
      amount,
      reason: 'Service credit',
      ...(expiresAt && { expiresAt }),
    });
  // Burn order: the credit that expires first is applied first, the lasting one after.
  const lasting = (await usd(15_000)).body.grant;
  const soon = (await usd(1_000, '2033-01-01T00:00:00.000Z')).body.grant;
  return { as, orgId, partnerId, apiKey, soon, lasting };
}

const GOLDEN = [
  ['monthly', ['2031-02-01', '2031-03-01'], ['2031-01-01', '2031-02-01']],
  ['quarterly', ['2031-04-01', '2031-07-01'], ['2031-01-01', '2031-04-01']],
  ['annually', ['2032-01-01', '2033-01-01'], ['2031-01-01', '2032-01-01']],
] as const;

describe('golden client invoices', () => {
  it.each(GOLDEN)(
    '%s: the period fee in advance and the overage in arrears, a priced top-up and a purchase, credits applied in burn order',
    async (cycle, [feeStart, feeEnd], [usedStart, usedEnd]) => {
      const { as, orgId, partnerId, soon, lasting } = await pricedClient(cycle);
      // 150 consumed on an allowance of 100: 50 overage.
      const used = await as('POST', `${ORGS}/${orgId}/credits/consumptions`, { amount: 150 });
      expect(used.status).toBe(201);

      // The draft shows what the boundary will issue, and changes nothing.
      const draft = (await as('GET', `${ORGS}/${orgId}/invoices/upcoming`)).body.invoice;
      expect(draft).toMatchObject({ status: 'draft', subtotal: '104.00', tax: '20.80' });
      expect(draft.lines.map((l: { source: { kind: string } }) => l.source.kind)).toEqual([
        'fee',
        'overage',
      ]);

      // The scheduler issues it at the period start, once however often it runs.
      now = new Date(`${feeStart}T01:00:00.000Z`);
      await services.issueDueClientInvoices(server.db, now);
      await services.issueDueClientInvoices(server.db, now);
      expect(
        await services.issueClientPeriodInvoice(server.db, partnerId, orgId, now),
      ).toMatchObject({
        number: 'NW-000001',
      });
      const list = (await as('GET', `/partner/invoices?organizationId=${orgId}`)).body;
      expect(list.invoices).toHaveLength(1);
      const [period] = list.invoices;
      expect(period).toMatchObject({
        number: 'NW-000001',
        periodStart: `${feeStart}T00:00:00.000Z`,
        periodEnd: `${feeEnd}T00:00:00.000Z`,
        subtotal: '104.00',
        taxRate: '0.2',
        tax: '20.80',
        creditsApplied: '124.80',
        total: '0.00',
        status: 'paid',
        issuer: {
          type: 'partner',
          brand: { displayName: 'Northwind Digital', primaryColor: '#1f6feb' },
        },
      });
      expect(linesOf(period)).toEqual([
        [`Service fee, ${feeStart} to ${feeEnd}`, 1, '99.00', '99.00'],
        [
          `Overage: Identification credits past the allowance, ${usedStart} to ${usedEnd}`,
          50,
          '0.10',
          '5.00',
        ],
      ]);
      // Soonest expiring first: all of it, then the rest from the lasting credit.
      const grants = (await as('GET', `${ORGS}/${orgId}/credits/grants?creditType=usd`)).body
        .grants;
      const remaining = (id: string) =>
        grants.find((g: { id: string; remaining: number }) => g.id === id).remaining;
      expect([remaining(soon.id), remaining(lasting.id)]).toEqual([0, 15_000 - 11_480]);

      // A priced top-up: invoiced at its own price, once.
      const rule = await as('PUT', `${ORGS}/${orgId}/auto-top-up`, {
        threshold: 10,
        amount: 500,
        maxPerPeriod: 3,
        unitPrice: '0.04',
      });
      expect(rule.status).toBe(200);
      await as('POST', `${ORGS}/${orgId}/credits/consumptions`, { amount: 95 });
      await services.applyAutoTopUps(server.db, () => now);
      const topUp = (await as('GET', `/partner/invoices?organizationId=${orgId}`)).body.invoices[0];
      expect(topUp).toMatchObject({
        number: 'NW-000002',
        subtotal: '20.00',
        tax: '4.00',
        creditsApplied: '24.00',
        total: '0.00',
      });
      expect(linesOf(topUp)).toEqual([
        ['Auto top-up: Identification credits', 500, '0.04', '20.00'],
      ]);

      // A purchase at its cost basis: the last $11.20 of credit applied, the rest due.
      const sale = await as('POST', `${ORGS}/${orgId}/credits/grants`, {
        amount: 1000,
        kind: 'purchased',
        costBasis: '0.03',
        invoice: true,
        reason: 'Credit pack',
      });
      expect(sale.body.invoice).toMatchObject({
        number: 'NW-000003',
        subtotal: '30.00',
        tax: '6.00',
        creditsApplied: '11.20',
        total: '24.80',
        amountDue: '24.80',
        status: 'issued',
      });
      expect(linesOf(sale.body.invoice)).toEqual([
        ['Identification credits purchased', 1000, '0.03', '30.00'],
      ]);
      const usd = (await as('GET', `${ORGS}/${orgId}/credits`)).body.balances.find(
        (b: { creditType: string }) => b.creditType === 'usd',
      );
      expect(usd).toMatchObject({ available: 0, pending: 1120 });
    },
  );
});

describe('the partner’s brand', () => {
  it('is validated: an https logo, a hex color, a prefix of the allowed characters', async () => {
    const { as } = await partnerWithClient();
    const base = { displayName: 'Northwind', invoicePrefix: 'NW-' };
    for (const bad of [
      { logoUrl: 'http://cdn.example/logo.png' },
      { primaryColor: 'blue' },
      { invoicePrefix: 'nw 2031' },
      { invoicePrefix: 'A-VERY-LONG-PREFIX' },
      { supportEmail: 'not an email' },
    ]) {
      const refused = await as('PUT', '/partner/branding', { ...base, ...bad });
      expect(refused.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await as('GET', '/partner/branding')).body.branding).toBeNull();
  });

  it('is on the PDF and the email of every client invoice; numbering goes on across a new prefix', async () => {
    now = new Date('2031-01-10T12:00:00.000Z');
    const { as, orgId, apiKey } = await partnerWithClient();
    await as('PUT', '/partner/pricing', { currency: 'EUR', creditUnitPrice: '0.05' });
    await as('PUT', `${ORGS}/${orgId}/billing-profile`, {
      legalName: 'Acme Dental GmbH',
      billingEmail: 'accounts@acme-dental.example',
      address: { line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
      taxId: 'DE123456789',
    });
    const sell = () =>
      as('POST', `${ORGS}/${orgId}/credits/grants`, {
        amount: 100,
        kind: 'purchased',
        invoice: true,
        reason: 'Credit pack',
      });
    expect((await sell()).body.invoice.number).toBe('INV-000001');
    const branded = await as('PUT', '/partner/branding', {
      displayName: 'Northwind <Digital>',
      logoUrl: 'https://cdn.northwind.example/logo.png',
      primaryColor: '#1F6FEB',
      invoicePrefix: 'NW-',
      supportEmail: 'billing@northwind.example',
      footer: 'IBAN DE00 1234 5678 9000',
    });
    expect(branded.body.branding).toMatchObject({ primaryColor: '#1f6feb', invoicePrefix: 'NW-' });
    const invoice = (await sell()).body.invoice;
    expect(invoice).toMatchObject({
      number: 'NW-000002',
      currency: 'EUR',
      total: '5.00',
      customer: { legalName: 'Acme Dental GmbH', taxId: 'DE123456789' },
      issuer: {
        brand: { displayName: 'Northwind <Digital>', supportEmail: 'billing@northwind.example' },
      },
    });

    const response = await fetch(`${server.url}/api/v1/partner/invoices/${invoice.id}/pdf`, {
      headers: { 'x-partner-api-key': apiKey },
    });
    expect(response.headers.get('content-type')).toBe('application/pdf');
    const text = await pdfText(Buffer.from(await response.arrayBuffer()));
    for (const shown of [
      'Northwind <Digital>',
      'Invoice NW-000002',
      'Acme Dental GmbH',
      'Tax id: DE123456789',
      'Questions: billing@northwind.example',
      'IBAN DE00 1234 5678 9000',
    ])
      expect(text).toContain(shown);

    const email = (await as('GET', `/partner/invoices/${invoice.id}/email`)).body.email;
    expect(email).toMatchObject({
      to: 'accounts@acme-dental.example',
      replyTo: 'billing@northwind.example',
      subject: 'Northwind <Digital>: invoice NW-000002',
    });
    expect(email.text).toContain('Invoice NW-000002: 5.00 EUR due by');
    expect(email.text).toContain('IBAN DE00 1234 5678 9000');
    expect(email.html).toContain('<h1 style="color:#1f6feb">Northwind &#60;Digital&#62;</h1>');
    expect(email.html).toContain('<img src="https://cdn.northwind.example/logo.png"');
    expect(email.html).not.toContain('<Digital>');
    // The first invoice keeps the brand it was issued with: none.
    const first = (await as('GET', '/partner/invoices')).body.invoices.find(
      (i: { number: string }) => i.number === 'INV-000001',
    );
    expect(first.issuer.brand.primaryColor).toBeNull();
  });
});

describe('monetary credits of an organization', () => {
  it('draw on no pool and are not counted by the trial cap', async () => {
    const { apiKey } = await server.createPartner({ billingMode: 'credit_pool', poolCredits: 10 });
    const as = (method: string, path: string, body?: unknown) =>
      server.request(method, path, { apiKey, body });
    const org = (await as('POST', ORGS, { name: 'Trial shop', tier: 'trial' })).body.organization;
    const welcome = await as('POST', `${ORGS}/${org.id}/credits/grants`, {
      creditType: 'usd',
      amount: 50_000,
      reason: 'Welcome credit: $500.00',
    });
    expect(welcome.status).toBe(201);
    // The same amount of identification credits is over the trial cap and the pool.
    const credits = await as('POST', `${ORGS}/${org.id}/credits/grants`, {
      amount: 50_000,
      reason: 'Too many',
    });
    expect(credits.status).toBe(422);
    const billing = (await as('GET', '/partner/billing')).body;
    expect(billing).toMatchObject({
      creditPoolTotal: 10,
      creditsAllocated: 0,
      creditsRemaining: 10,
    });
  });
});

describe('what cannot be invoiced', () => {
  it('is refused with a clear 4xx, and nothing is granted or issued', async () => {
    const { as, orgId } = await partnerWithClient();
    const grant = (body: Record<string, unknown>) =>
      as('POST', `${ORGS}/${orgId}/credits/grants`, { amount: 100, reason: 'Pack', ...body });
    // No prices yet: the currency and terms are unknown.
    const unpriced = await grant({ kind: 'purchased', costBasis: '0.04', invoice: true });
    expect(unpriced).toMatchObject({ status: 422, body: { error: { code: 'not_priced' } } });
    expect((await as('POST', `${ORGS}/${orgId}/invoices`)).status).toBe(422);
    await as('PUT', '/partner/pricing', { currency: 'USD' });
    // Priced, but neither a cost basis nor a credit price.
    expect((await grant({ kind: 'purchased', invoice: true })).body.error.code).toBe('not_priced');
    // A free grant is never invoiced.
    const free = await grant({ kind: 'promotional', invoice: true });
    expect(free).toMatchObject({ status: 422, body: { error: { code: 'not_for_sale' } } });
    expect((await grant({ kind: 'purchased', costBasis: '-1', invoice: true })).status).toBe(400);
    expect(
      (await as('PUT', '/partner/pricing', { currency: 'USD', periodFee: '1.5.0' })).status,
    ).toBe(400);
    expect((await as('PUT', '/partner/pricing', { currency: 'XXX' })).status).toBe(400);
    // Money credits are applied to invoices, not consumed.
    const usd = await as('POST', `${ORGS}/${orgId}/credits/consumptions`, { creditType: 'usd' });
    expect(usd).toMatchObject({ status: 422, body: { error: { code: 'not_monetary' } } });
    expect((await as('GET', `${ORGS}/${orgId}/credits/grants`)).body.grants).toEqual([]);
    expect((await as('GET', '/partner/invoices')).body.invoices).toEqual([]);
    expect((await as('POST', `${ORGS}/${orgId}/invoices`)).body.error.code).toBe(
      'nothing_to_invoice',
    );
  });

  it('bills now once per Idempotency-Key', async () => {
    now = new Date('2031-01-10T12:00:00.000Z');
    const { apiKey, orgId, as } = await partnerWithClient('usage_based');
    await as('PUT', '/partner/pricing', { currency: 'USD', overageUnitPrice: '0.50' });
    await as('POST', `${ORGS}/${orgId}/credits/consumptions`, { amount: 3 });
    const bill = () =>
      server.request('POST', `${ORGS}/${orgId}/invoices`, {
        apiKey,
        headers: { 'idempotency-key': 'bill-jan-10' },
      });
    const first = await bill();
    const again = await bill();
    expect(first.status).toBe(201);
    expect(first.body.invoice).toMatchObject({ subtotal: '1.50' });
    expect(again.body.invoice.id).toBe(first.body.invoice.id);
    expect((await as('GET', '/partner/invoices')).body.total).toBe(1);
  });
});
