// The operator invoicing partners, end to end over REST with an injected clock: what each billing
// mode bills, exact amounts, gap-free numbers, runs at a period boundary once, payments, voids.
import { services } from '@allot/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, startTestServer, type TestServer } from './harness.ts';
import { cents, invoicing, linesOf } from './invoicing.ts';
import { pdfText } from './pdf-text.ts';

let server: TestServer;
let now = new Date('2030-03-10T12:00:00.000Z');
beforeAll(async () => {
  server = await startTestServer({ now: () => now });
});
afterAll(() => server.close());

const { operator, pricedPartner, organization, consume, issueNow } = invoicing(() => server);

/** The prefix of every operator invoice, then the invoice's own number. */
const numberOf = (invoice: { number: string }) => Number(invoice.number.replace('INV-', ''));

describe('credit_pool: the pool in advance', () => {
  it('bills the pool, then a mid-period raise as its own line, then the next period at the boundary once', async () => {
    now = new Date('2030-03-10T12:00:00.000Z');
    const partner = await pricedPartner(
      { billingMode: 'credit_pool', poolCredits: 1000 },
      { currency: 'USD', poolUnitPrice: '0.10', taxRate: '0.2', paymentTermsDays: 15 },
    );
    await operator('PUT', `/operator/partners/${partner.id}/billing-profile`, {
      legalName: 'Pool Partner Ltd',
      billingEmail: 'ap@pool.example',
      address: { line1: '1 Pool St', city: 'London', country: 'GB' },
    });
    const first = await issueNow(partner.id);
    expect(first.status).toBe(201);
    const invoice = first.body.invoice;
    expect(invoice).toMatchObject({
      status: 'issued',
      currency: 'USD',
      subtotal: '100.00',
      taxRate: '0.2',
      tax: '20.00',
      creditsApplied: '0.00',
      total: '120.00',
      amountPaid: '0.00',
      amountDue: '120.00',
      overdue: false,
      issuedAt: '2030-03-10T12:00:00.000Z',
      dueAt: '2030-03-25T12:00:00.000Z',
      customer: { type: 'partner', id: partner.id, legalName: 'Pool Partner Ltd' },
      issuer: { type: 'operator', legalName: 'Allot' },
    });
    expect(invoice.number).toMatch(/^INV-\d{6}$/);
    expect(linesOf(invoice)).toEqual([
      ['Credit pool, 2030-03-01 to 2030-04-01', 1000, '0.10', '100.00'],
    ]);
    expect(invoice.lines[0].source).toMatchObject({
      kind: 'pool',
      periodStart: '2030-03-01T00:00:00.000Z',
      periodEnd: '2030-04-01T00:00:00.000Z',
      entries: 1,
    });

    // Billed already: nothing more, and the number is not spent on it.
    const nothing = await issueNow(partner.id);
    expect(nothing.status).toBe(422);
    expect(nothing.body.error.code).toBe('nothing_to_invoice');

    // The operator raises the pool mid-period: the 500 more are billed on the next invoice.
    now = new Date('2030-03-20T12:00:00.000Z');
    await operator('PUT', `/operator/partners/${partner.id}/billing`, { poolCredits: 1500 });
    const raise = (await issueNow(partner.id)).body.invoice;
    expect(linesOf(raise)).toEqual([
      ['Credit pool, 2030-03-01 to 2030-04-01', 500, '0.10', '50.00'],
    ]);
    expect(raise.total).toBe('60.00');
    expect(numberOf(raise)).toBe(numberOf(invoice) + 1);

    // The boundary: the new period's pool, in advance, once however many workers run it.
    now = new Date('2030-04-01T00:01:00.000Z');
    await Promise.all([1, 2, 3, 4].map(() => services.issueDueInvoices(server.db, now)));
    await services.issueDueInvoices(server.db, now);
    const list = await operator('GET', `/operator/invoices?partnerId=${partner.id}`);
    expect(list.body.total).toBe(3);
    const [scheduled] = list.body.invoices;
    expect(linesOf(scheduled)).toEqual([
      ['Credit pool, 2030-04-01 to 2030-05-01', 1500, '0.10', '150.00'],
    ]);
    expect(scheduled).toMatchObject({
      periodStart: '2030-03-01T00:00:00.000Z',
      periodEnd: '2030-04-01T00:00:00.000Z',
      total: '180.00',
    });
  });
});

describe('the upcoming invoice', () => {
  const upcoming = async (apiKey: string) =>
    (await server.request('GET', '/partner/billing/invoices/upcoming', { apiKey })).body.invoice;

  it('is the draft of what the boundary then issues: the raise so far, the next pool in advance', async () => {
    now = new Date('2030-03-10T12:00:00.000Z');
    const partner = await pricedPartner(
      { billingMode: 'credit_pool', poolCredits: 1000 },
      { currency: 'USD', poolUnitPrice: '0.10', taxRate: '0.2' },
    );
    expect((await issueNow(partner.id)).status).toBe(201);
    now = new Date('2030-03-20T12:00:00.000Z');
    await operator('PUT', `/operator/partners/${partner.id}/billing`, { poolCredits: 1500 });
    const draft = await upcoming(partner.apiKey);
    expect(draft).toMatchObject({
      status: 'draft',
      periodStart: '2030-03-01T00:00:00.000Z',
      issuesAt: '2030-04-01T00:00:00.000Z',
      subtotal: '200.00',
      tax: '40.00',
      total: '240.00',
      amountDue: '240.00',
      customer: { type: 'partner', id: partner.id },
    });
    expect(linesOf(draft)).toEqual([
      ['Credit pool, 2030-03-01 to 2030-04-01', 500, '0.10', '50.00'],
      ['Credit pool, 2030-04-01 to 2030-05-01', 1500, '0.10', '150.00'],
    ]);
    // The operator reads the same draft; reading it issued nothing.
    const operatorDraft = await operator(
      'GET',
      `/operator/partners/${partner.id}/invoices/upcoming`,
    );
    expect(operatorDraft.body.invoice).toEqual(draft);
    const issued = await operator('GET', `/operator/invoices?partnerId=${partner.id}`);
    expect(issued.body.total).toBe(1);

    now = new Date('2030-04-01T00:01:00.000Z');
    await services.issueDueInvoices(server.db, now);
    const [scheduled] = (await operator('GET', `/operator/invoices?partnerId=${partner.id}`)).body
      .invoices;
    expect(linesOf(scheduled)).toEqual(linesOf(draft));
    expect(scheduled.total).toBe(draft.total);
  });

  it('shows consumption so far per organization, in arrears', async () => {
    now = new Date('2030-03-10T12:00:00.000Z');
    const partner = await pricedPartner(
      { billingMode: 'usage_based', poolCredits: 0 },
      { currency: 'USD', usageUnitPrice: '0.15', overageUnitPrice: '0.20' },
    );
    const shop = await organization(partner.apiKey, 'Shop', 10);
    await consume(partner.apiKey, shop, 12);
    expect(linesOf(await upcoming(partner.apiKey))).toEqual([
      ['Identifications: Shop', 10, '0.15', '1.50'],
      ['Overage identifications: Shop', 2, '0.20', '0.40'],
    ]);
  });

  it('is null for a partner that is not priced; 404 for the operator’s unknown partner', async () => {
    const created = await server.createPartner({ billingMode: 'external', poolCredits: 0 });
    expect(await upcoming(created.apiKey)).toBeNull();
    const unknown = await operator(
      'GET',
      '/operator/partners/00000000-0000-4000-8000-000000000000/invoices/upcoming',
    );
    expect(unknown.status).toBe(404);
  });
});

describe('golden invoices per period kind, across a boundary', () => {
  const day = (date: string) => `${date}T00:00:00.000Z`;
  it.each([
    ['credit_pool', 'quarterly', 1, '2030-02-01', '2030-05-01', '2030-08-01'],
    ['credit_pool', 'annually', 1, '2030-02-01', '2031-02-01', '2032-02-01'],
    ['credit_pool', 'monthly', 28, '2030-01-28', '2030-02-28', '2030-03-28'],
    ['usage_based', 'quarterly', 28, '2029-11-28', '2030-02-28', '2030-05-28'],
    ['external', 'annually', 15, '2029-02-15', '2030-02-15', '2031-02-15'],
  ] as const)(
    '%s, %s on day %i: the period %s to %s, then the next from %s',
    async (billingMode, billingPeriod, billingDayOfMonth, start, end, next) => {
      now = new Date('2030-02-10T12:00:00.000Z');
      const pooled = billingMode === 'credit_pool';
      const partner = await pricedPartner(
        { billingMode, billingPeriod, billingDayOfMonth, poolCredits: pooled ? 300 : 0 },
        { currency: 'USD', poolUnitPrice: '0.10', usageUnitPrice: '0.15' },
      );
      const org = await organization(partner.apiKey, 'Org', 10);
      await consume(partner.apiKey, org, 4);
      if (pooled) {
        const first = (await issueNow(partner.id)).body.invoice;
        expect(linesOf(first)).toEqual([[`Credit pool, ${start} to ${end}`, 300, '0.10', '30.00']]);
      }
      // A minute past the boundary, the scheduled run: the closed period in arrears, the new
      // one's pool in advance.
      now = new Date(new Date(day(end)).getTime() + 60_000);
      await services.issueDueInvoices(server.db, now);
      const list = (await operator('GET', `/operator/invoices?partnerId=${partner.id}`)).body;
      expect(list.total).toBe(pooled ? 2 : 1);
      const [scheduled] = list.invoices;
      expect(scheduled).toMatchObject({ periodStart: day(start), periodEnd: day(end) });
      expect(linesOf(scheduled)).toEqual(
        pooled
          ? [[`Credit pool, ${end} to ${next}`, 300, '0.10', '30.00']]
          : [['Identifications: Org', 4, '0.15', '0.60']],
      );
      // Run again: the run happened once.
      await services.issueDueInvoices(server.db, now);
      const again = (await operator('GET', `/operator/invoices?partnerId=${partner.id}`)).body;
      expect(again.total).toBe(list.total);
    },
  );
});

describe('at a boundary, workers and an issue-now request at once', () => {
  it('bill the new period’s pool once between them, with no number skipped', async () => {
    now = new Date('2030-03-10T12:00:00.000Z');
    const partner = await pricedPartner(
      { billingMode: 'credit_pool', poolCredits: 700 },
      { currency: 'USD', poolUnitPrice: '0.10' },
    );
    expect((await issueNow(partner.id)).status).toBe(201);
    now = new Date('2030-04-01T00:00:30.000Z');
    const outcomes = await Promise.all([
      services.issueDueInvoices(server.db, now),
      issueNow(partner.id).then((r) => r.status),
      services.issueDueInvoices(server.db, now),
      issueNow(partner.id).then((r) => r.status),
      services.issueDueInvoices(server.db, now),
    ]);
    expect(outcomes.filter((o) => o === 500)).toEqual([]);
    const { invoices } = (await operator('GET', `/operator/invoices?partnerId=${partner.id}`)).body;
    const pooled = invoices
      .flatMap((invoice: { lines: { quantity: number; description: string }[] }) => invoice.lines)
      .filter((line: { description: string }) => line.description.includes('2030-04-01 to'));
    expect(pooled.reduce((sum: number, line: { quantity: number }) => sum + line.quantity, 0)).toBe(
      700,
    );
    // Running again later finds the period's run done.
    await services.issueDueInvoices(server.db, new Date('2030-04-01T00:05:00.000Z'));
    expect((await operator('GET', `/operator/invoices?partnerId=${partner.id}`)).body.total).toBe(
      invoices.length,
    );
  });
});

describe('usage_based: consumption in arrears, overage apart', () => {
  it('bills each organization within allowance and past it, and the next run only what came after', async () => {
    now = new Date('2030-03-10T12:00:00.000Z');
    const partner = await pricedPartner(
      { billingMode: 'usage_based', poolCredits: 0 },
      { currency: 'USD', usageUnitPrice: '0.15', overageUnitPrice: '0.20' },
    );
    const acme = await organization(partner.apiKey, 'Acme', 10);
    const zenith = await organization(partner.apiKey, 'Zenith', 100);
    await consume(partner.apiKey, acme, 15);
    await consume(partner.apiKey, zenith, 7);
    const invoice = (await issueNow(partner.id)).body.invoice;
    expect(linesOf(invoice)).toEqual([
      ['Identifications: Acme', 10, '0.15', '1.50'],
      ['Overage identifications: Acme', 5, '0.20', '1.00'],
      ['Identifications: Zenith', 7, '0.15', '1.05'],
    ]);
    expect(invoice.lines.map((l: { organizationId: string }) => l.organizationId)).toEqual([
      acme,
      acme,
      zenith,
    ]);
    expect(invoice).toMatchObject({ subtotal: '3.55', tax: '0.00', total: '3.55' });

    await consume(partner.apiKey, acme, 3);
    now = new Date('2030-04-01T00:01:00.000Z');
    // Consumption of the new period is the next period's.
    await consume(partner.apiKey, zenith, 1);
    await services.issueDueInvoices(server.db, now);
    const [scheduled] = (await operator('GET', `/operator/invoices?partnerId=${partner.id}`)).body
      .invoices;
    expect(linesOf(scheduled)).toEqual([['Overage identifications: Acme', 3, '0.20', '0.60']]);
  });
});

describe('external: consumption in arrears', () => {
  it('bills every consumed credit at the usage price, rounded half-even to the currency (JPY)', async () => {
    now = new Date('2030-03-10T12:00:00.000Z');
    const partner = await pricedPartner(
      { billingMode: 'external', poolCredits: 0 },
      { currency: 'JPY', usageUnitPrice: '2.5' },
    );
    const shop = await organization(partner.apiKey, 'Shop', 100);
    await consume(partner.apiKey, shop, 7);
    const invoice = (await issueNow(partner.id)).body.invoice;
    // 7 × 2.5 = 17.5 yen: half-even to whole yen is 18.
    expect(linesOf(invoice)).toEqual([['Identifications: Shop', 7, '2.5', '18']]);
    expect(invoice).toMatchObject({ currency: 'JPY', total: '18', amountDue: '18' });
  });

  it('bills nothing for a partner that is not priced', async () => {
    const { partner } = await server.createPartner({ billingMode: 'external', poolCredits: 0 });
    expect((await issueNow(partner.id)).body.error.code).toBe('nothing_to_invoice');
  });
});

describe('payments and voids', () => {
  async function invoicedPartner() {
    now = new Date('2030-03-10T12:00:00.000Z');
    const partner = await pricedPartner(
      { billingMode: 'credit_pool', poolCredits: 1200 },
      { currency: 'EUR', poolUnitPrice: '0.10' },
    );
    const invoice = (await issueNow(partner.id)).body.invoice;
    expect(invoice.total).toBe('120.00');
    return { partner, invoice };
  }

  it('adds partial payments up to paid, refusing more than is due', async () => {
    const { invoice } = await invoicedPartner();
    const pay = (body: Record<string, unknown>) =>
      operator('POST', `/operator/invoices/${invoice.id}/payments`, body);
    const half = await pay({ amount: '50.00', method: 'bank_transfer', reference: 'WIRE-1' });
    expect(half.body.invoice).toMatchObject({
      status: 'issued',
      amountPaid: '50.00',
      amountDue: '70.00',
    });
    expect((await pay({ amount: '70.01', method: 'card' })).body.error.code).toBe('overpayment');
    expect((await pay({ amount: '0.001', method: 'card' })).body.error.code).toBe('invalid_amount');
    expect((await pay({ amount: 70, method: 'card' })).status).toBe(400);
    const rest = await pay({ amount: '70', method: 'card' });
    expect(rest.body.invoice).toMatchObject({ status: 'paid', amountDue: '0.00' });
    expect(rest.body.invoice.payments.map((p: { amount: string }) => p.amount)).toEqual([
      '50.00',
      '70.00',
    ]);
    expect((await pay({ amount: '1.00', method: 'card' })).body.error.code).toBe('invoice_paid');
    const voided = await operator('POST', `/operator/invoices/${invoice.id}/void`, {
      reason: 'late',
    });
    expect(voided.body.error.code).toBe('invoice_paid');
  });

  it('voids an unpaid invoice: its number stays taken, and the next invoice bills it again', async () => {
    const { partner, invoice } = await invoicedPartner();
    const voided = await operator('POST', `/operator/invoices/${invoice.id}/void`, {
      reason: 'Wrong billing profile',
    });
    expect(voided.body.invoice).toMatchObject({
      status: 'void',
      voidReason: 'Wrong billing profile',
    });
    const again = (await issueNow(partner.id)).body.invoice;
    expect(linesOf(again)).toEqual(linesOf(invoice));
    expect(numberOf(again)).toBeGreaterThan(numberOf(invoice));
  });

  it('records a payment provider’s notification once, however often and at once it arrives', async () => {
    const { invoice } = await invoicedPartner();
    // The adapter an integration writes: here one that trusts a fixed signature header.
    const provider: services.PaymentProvider = {
      name: 'testpay',
      collect: () => Promise.resolve({ collectionId: 'col_1', url: null }),
      parseNotification: (headers, body) => {
        if (headers['x-signature'] !== 'valid') throw new Error('bad signature');
        const event = JSON.parse(body) as { type: string; invoice: string; amount: string };
        if (event.type !== 'payment.succeeded') return Promise.resolve(null);
        return Promise.resolve({
          invoiceId: event.invoice,
          amount: event.amount,
          paymentId: 'pay_1',
          method: 'card',
          paidAt: now,
        });
      },
    };
    const body = JSON.stringify({
      type: 'payment.succeeded',
      invoice: invoice.id,
      amount: '120.00',
    });
    const deliver = () =>
      services.settleNotification(server.db, provider, { 'x-signature': 'valid' }, body, now);
    await Promise.all([deliver(), deliver(), deliver()]);
    const paid = await deliver();
    expect(paid).toMatchObject({ status: 'paid', amountPaid: '120.00', amountDue: '0.00' });
    expect(paid?.payments.map((p) => [p.amount, p.method, p.reference])).toEqual([
      ['120.00', 'card', 'testpay:pay_1'],
    ]);
    const other = JSON.stringify({ type: 'customer.updated', invoice: invoice.id, amount: '1' });
    expect(
      await services.settleNotification(
        server.db,
        provider,
        { 'x-signature': 'valid' },
        other,
        now,
      ),
    ).toBeNull();
    await expect(services.settleNotification(server.db, provider, {}, body, now)).rejects.toThrow(
      'bad signature',
    );
  });

  it('reads as overdue once past due and unpaid', async () => {
    const { invoice } = await invoicedPartner();
    now = new Date('2030-04-10T12:00:01.000Z');
    const read = await operator('GET', `/operator/invoices/${invoice.id}`);
    expect(read.body.invoice).toMatchObject({ overdue: true, status: 'issued' });
  });
});

describe("a partner's own bills", () => {
  it('lists and reads its invoices; another partner’s is a 404', async () => {
    now = new Date('2030-03-10T12:00:00.000Z');
    const mine = await pricedPartner(
      { billingMode: 'credit_pool', poolCredits: 100 },
      { currency: 'USD', poolUnitPrice: '1' },
    );
    const theirs = await pricedPartner(
      { billingMode: 'credit_pool', poolCredits: 100 },
      { currency: 'USD', poolUnitPrice: '1' },
    );
    const invoice = (await issueNow(mine.id)).body.invoice;
    const other = (await issueNow(theirs.id)).body.invoice;
    const list = await server.request('GET', '/partner/billing/invoices', { apiKey: mine.apiKey });
    expect(list.body.invoices.map((i: { id: string }) => i.id)).toEqual([invoice.id]);
    const got = await server.request('GET', `/partner/billing/invoices/${invoice.id}`, {
      apiKey: mine.apiKey,
    });
    expect(got.body.invoice).toEqual(invoice);
    const foreign = await server.request('GET', `/partner/billing/invoices/${other.id}`, {
      apiKey: mine.apiKey,
    });
    expect(foreign.status).toBe(404);
  });
});

describe('CSV exports', () => {
  const csv = async (path: string, headers: Record<string, string>) => {
    const response = await fetch(`${server.url}/api/v1${path}`, { headers });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    return (await response.text()).trim().split('\n');
  };

  it('list invoices and their lines, the partner’s own only', async () => {
    now = new Date('2030-03-10T12:00:00.000Z');
    const partner = await pricedPartner(
      { billingMode: 'usage_based', poolCredits: 0 },
      { currency: 'USD', usageUnitPrice: '0.15', overageUnitPrice: '0.20' },
    );
    const shop = await organization(partner.apiKey, 'Shop, "Main"', 10);
    await consume(partner.apiKey, shop, 12);
    const invoice = (await issueNow(partner.id)).body.invoice;
    const other = await pricedPartner(
      { billingMode: 'credit_pool', poolCredits: 10 },
      { currency: 'USD', poolUnitPrice: '1' },
    );
    expect((await issueNow(other.id)).status).toBe(201);

    const mine = { 'x-partner-api-key': partner.apiKey };
    const invoices = await csv('/partner/billing/invoices.csv', mine);
    expect(invoices[0]).toBe(
      'number,invoiceId,partnerId,organizationId,customer,status,overdue,currency,periodStart,periodEnd,issuedAt,dueAt,subtotal,taxRate,tax,creditsApplied,total,amountPaid,amountDue',
    );
    expect(invoices.slice(1)).toEqual([
      [
        invoice.number,
        invoice.id,
        partner.id,
        '',
        invoice.customer.legalName,
        'issued',
        'false',
        'USD',
        invoice.periodStart,
        invoice.periodEnd,
        invoice.issuedAt,
        invoice.dueAt,
        '1.90',
        '0',
        '0.00',
        '0.00',
        '1.90',
        '0.00',
        '1.90',
      ].join(','),
    ]);
    const lines = await csv('/partner/billing/invoice-lines.csv', mine);
    expect(lines.slice(1).map((line) => line.split(',').slice(0, 3).join(','))).toEqual([
      `${invoice.number},${invoice.id},1`,
      `${invoice.number},${invoice.id},2`,
    ]);
    // A name with a comma and quotes stays one field.
    expect(lines[1]).toContain('"Identifications: Shop, ""Main"""');
    expect(lines[2]).toContain(',overage,');

    const operatorCsv = await csv(`/operator/invoices.csv?partnerId=${other.id}`, {
      authorization: `Bearer ${OPERATOR_TOKEN}`,
    });
    expect(operatorCsv).toHaveLength(2);
    expect(operatorCsv[1]).toContain(other.id);
  });
});

describe('revenue recognition', () => {
  const revenue = async (query: string) => {
    const response = await operator('GET', `/operator/reports/revenue?${query}`);
    expect(response.status).toBe(200);
    return response.body.rows as Record<string, string>[];
  };
  const reconciles = (row: Record<string, string>) =>
    expect(cents(row.openingDeferred ?? '') + cents(row.billed ?? '')).toBe(
      cents(row.recognized ?? '') + cents(row.breakage ?? '') + cents(row.deferred ?? ''),
    );

  it('earns a prepaid pool as it is consumed, the rest lapsing at its end; usage as billed', async () => {
    now = new Date('2030-03-10T12:00:00.000Z');
    const pool = await pricedPartner(
      { billingMode: 'credit_pool', poolCredits: 1000 },
      { currency: 'USD', poolUnitPrice: '0.10', taxRate: '0.2' },
    );
    const shop = await organization(pool.apiKey, 'Shop', 600);
    expect((await issueNow(pool.id)).body.invoice.subtotal).toBe('100.00');
    await consume(pool.apiKey, shop, 250);
    const usage = await pricedPartner(
      { billingMode: 'external', poolCredits: 0 },
      { currency: 'EUR', usageUnitPrice: '0.50' },
    );
    const store = await organization(usage.apiKey, 'Store', 10);
    await consume(usage.apiKey, store, 10);
    expect((await issueNow(usage.id)).status).toBe(201);

    now = new Date('2030-03-20T00:00:00.000Z');
    const march = await revenue(`startDate=2030-03-01&endDate=2030-03-31&partnerId=${pool.id}`);
    expect(march).toEqual([
      {
        partnerId: pool.id,
        partnerName: expect.any(String),
        currency: 'USD',
        openingDeferred: '0.00',
        billed: '100.00',
        recognized: '25.00',
        breakage: '0.00',
        deferred: '75.00',
        creditsApplied: '0.00',
      },
    ]);
    const [billedUsage] = await revenue(
      `startDate=2030-03-01&endDate=2030-03-31&partnerId=${usage.id}`,
    );
    expect(billedUsage).toMatchObject({ billed: '5.00', recognized: '5.00', deferred: '0.00' });

    // The period ends: its unused 750 credits are breakage; April's pool is billed in advance.
    now = new Date('2030-04-01T00:01:00.000Z');
    await services.issueDueInvoices(server.db, now);
    now = new Date('2030-04-10T00:00:00.000Z');
    const [closed] = await revenue(`startDate=2030-03-01&endDate=2030-03-31&partnerId=${pool.id}`);
    expect(closed).toMatchObject({ recognized: '25.00', breakage: '75.00', deferred: '0.00' });
    const [april] = await revenue(`startDate=2030-04-01&endDate=2030-04-30&partnerId=${pool.id}`);
    expect(april).toMatchObject({
      openingDeferred: '0.00',
      billed: '100.00',
      recognized: '0.00',
      breakage: '0.00',
      deferred: '100.00',
    });
    const [both] = await revenue(`startDate=2030-03-01&endDate=2030-04-30&partnerId=${pool.id}`);
    expect(both).toMatchObject({ billed: '200.00', recognized: '25.00', breakage: '75.00' });
    for (const row of [...march, closed, april, both]) if (row) reconciles(row);

    const file = await fetch(
      `${server.url}/api/v1/operator/reports/revenue.csv?startDate=2030-03-01&endDate=2030-04-30&partnerId=${pool.id}`,
      { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } },
    );
    expect((await file.text()).trim().split('\n')).toEqual([
      'partnerId,partnerName,currency,openingDeferred,billed,recognized,breakage,deferred,creditsApplied',
      [
        pool.id,
        both?.partnerName,
        'USD',
        '0.00',
        '200.00',
        '25.00',
        '75.00',
        '100.00',
        '0.00',
      ].join(','),
    ]);
    const backwards = await operator(
      'GET',
      '/operator/reports/revenue?startDate=2030-04-01&endDate=2030-03-01',
    );
    expect(backwards.body.error.code).toBe('invalid_date_range');
  });
});

describe('invoice numbers', () => {
  it('are gap-free and unique across every invoice the operator issued', async () => {
    const rows = await server.db
      .selectFrom('invoices')
      .select('number')
      .where('issuer', '=', 'operator')
      .execute();
    const numbers = rows.map((row) => numberOf(row)).sort((a, b) => a - b);
    expect(numbers.length).toBeGreaterThan(5);
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
  });
});

describe('the PDF', () => {
  it('shows the number, the parties, the lines and the totals, to the partner and the operator', async () => {
    now = new Date('2030-03-10T12:00:00.000Z');
    const partner = await pricedPartner(
      { billingMode: 'usage_based', poolCredits: 0 },
      { currency: 'EUR', usageUnitPrice: '0.15', taxRate: '0.19', paymentTermsDays: 30 },
    );
    await operator('PUT', `/operator/partners/${partner.id}/billing-profile`, {
      legalName: 'Agentur Müller GmbH',
      billingEmail: 'buchhaltung@mueller.example',
      address: { line1: 'Hauptstraße 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
      taxId: 'DE123456789',
    });
    const shop = await organization(partner.apiKey, 'Bäckerei Schmidt', 100);
    await consume(partner.apiKey, shop, 40);
    const invoice = (await issueNow(partner.id)).body.invoice;

    const response = await fetch(
      `${server.url}/api/v1/partner/billing/invoices/${invoice.id}/pdf`,
      {
        headers: { 'x-partner-api-key': partner.apiKey },
      },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await response.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = await pdfText(pdf);
    for (const expected of [
      `Invoice ${invoice.number}`,
      'Agentur Müller GmbH',
      'Hauptstraße 1',
      'Tax id: DE123456789',
      'Due 2030-04-09 (30 days)',
      'Allot',
    ])
      expect(text).toContain(expected);
    expect(text).toMatch(/Identifications: Bäckerei Schmidt\s+40\s+0\.15\s+6\.00/);
    expect(text).toMatch(/Subtotal\s+6\.00/);
    expect(text).toMatch(/Tax \(0\.19\)\s+1\.14/);
    expect(text).toMatch(/Amount due\s+7\.14 EUR/);

    const operatorPdf = await fetch(`${server.url}/api/v1/operator/invoices/${invoice.id}/pdf`, {
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    });
    expect(operatorPdf.status).toBe(200);
    expect(await pdfText(Buffer.from(await operatorPdf.arrayBuffer()))).toContain(invoice.number);
    const foreign = await server.createPartner();
    const refused = await server.request('GET', `/partner/billing/invoices/${invoice.id}/pdf`, {
      apiKey: foreign.apiKey,
    });
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe('not_found');
  });

  it('lays out 10,000 lines over as many pages as they need, every one of them', async () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => ({
      id: '01953f2a-6c4e-7d10-8a3b-2f9c1d7e4a10',
      description: `Identifications: Client ${i + 1}`,
      organizationId: null,
      quantity: i + 1,
      unitPrice: '0.10',
      amount: ((i + 1) / 10).toFixed(2),
      source: { kind: 'usage' as const, periodStart: '', periodEnd: '', entries: 1 },
    }));
    const party = {
      type: 'operator' as const,
      id: null,
      legalName: 'Allot',
      billingEmail: null,
      address: null,
      taxId: null,
    };
    const chunks: Buffer[] = [];
    for await (const chunk of services.invoicePdf({
      ...(await operator('GET', '/operator/invoices?pageSize=1')).body.invoices[0],
      issuer: party,
      customer: party,
      lines,
    }))
      chunks.push(chunk);
    const text = await pdfText(Buffer.concat(chunks));
    expect(text).toMatch(/Identifications: Client 10000\s+10000\s+0\.10\s+1000\.00/);
    expect(text).toMatch(/Identifications: Client 1\s+1\s+0\.10\s+0\.10/);
    // Pages leave as they are laid out: the file arrives in many chunks, not one at the end.
    expect(chunks.length).toBeGreaterThan(100);
  }, 60_000);
});
