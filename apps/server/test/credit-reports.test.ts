// The partner's credit report: reconciled against the REST-visible ledger over random histories,
// and golden cases for its filters, ratios, top-ups, revenue, segments, CSV and refusals.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { services } from '@allot/api';
import { CREDIT_REPORT_COLUMNS } from '@allot/domain';
import { startTestServer, type ApiResponse, type TestServer } from './harness.ts';
import { ORGS } from './paths.ts';
import { expectError } from './expect-errors.ts';

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
const REPORT = '/partner/reports/credits';

type Api = (method: string, path: string, body?: unknown) => Promise<ApiResponse>;

async function newPartner(billingMode = 'credit_pool') {
  const { apiKey, partner } = await server.createPartner({ billingMode, poolCredits: 1_000_000 });
  const as: Api = (method, path, body) => server.request(method, path, { apiKey, body });
  expect((await as('PUT', '/partner/pricing', { currency: 'USD' })).status).toBe(200);
  const organization = async (body: Record<string, unknown>) => {
    const created = await as('POST', ORGS, body);
    expect(created.status).toBe(201);
    return created.body.organization.id as string;
  };
  return { apiKey, partnerId: partner.id, as, organization };
}

interface Row {
  organizationId: string;
  creditType: string;
  openingBalance: number;
  granted: Record<string, number>;
  consumed: number;
  overage: number;
  expired: number;
  voided: number;
  reclaimed: number;
  applied: number;
  pending: number;
  available: number;
  balance: number;
  [key: string]: unknown;
}

const rowOf = (rows: Row[], organizationId: string, creditType = 'identification') => {
  const row = rows.find((r) => r.organizationId === organizationId && r.creditType === creditType);
  if (!row) throw new Error(`no row for ${organizationId}/${creditType}`);
  return row;
};

/** What every row must satisfy: each entry in one figure, so they add up to the balance. */
function expectReconciled(row: Row) {
  const { granted } = row;
  expect(granted.total).toBe(
    (granted.allocated ?? 0) +
      (granted.purchased ?? 0) +
      (granted.promotional ?? 0) +
      (granted.compensation ?? 0) +
      (granted.topUp ?? 0),
  );
  expect(
    row.openingBalance +
      (granted.total ?? 0) +
      row.overage -
      row.consumed -
      row.expired -
      row.voided -
      row.reclaimed -
      row.applied -
      row.pending,
  ).toBe(row.balance);
}

/** Every page of a paged list. */
async function allPages<T>(as: Api, path: string, key: string): Promise<T[]> {
  const items: T[] = [];
  for (let page = 1; ; page += 1) {
    const sep = path.includes('?') ? '&' : '?';
    const response = await as('GET', `${path}${sep}page=${page}&pageSize=100`);
    expect(response.status).toBe(200);
    items.push(...(response.body[key] as T[]));
    if (items.length >= response.body.total) return items;
  }
}

interface Entry {
  account: string;
  organizationId: string | null;
  type: string;
  creditType: string;
  amount: number;
  balanceAfter: number;
  grantId: string | null;
  reference: string | null;
}

/**
 * The report's figures computed again from what the REST API shows: the partner's ledger, each
 * organization's grants (their kinds) and its invoices (their statuses).
 */
async function expectedFromRest(as: Api, organizationIds: string[]) {
  const entries: Entry[] = [];
  for (let cursor: string | null = null; ;) {
    const page = await as(
      'GET',
      `/partner/credits/ledger?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(page.status).toBe(200);
    entries.push(...page.body.entries);
    cursor = page.body.nextCursor;
    if (cursor === null) break;
  }
  const kinds = new Map<string, string>();
  const statuses = new Map<string, string>();
  for (const id of organizationIds) {
    for (const grant of await allPages<{ id: string; kind: string }>(
      as,
      `${ORGS}/${id}/credits/grants`,
      'grants',
    ))
      kinds.set(grant.id, grant.kind);
    for (const invoice of await allPages<{ number: string; status: string }>(
      as,
      `/partner/invoices?organizationId=${id}`,
      'invoices',
    ))
      statuses.set(`invoice:${invoice.number}`, invoice.status);
  }
  const expected = new Map<string, Record<string, number>>();
  const KIND = {
    allocation: 'allocated',
    renewal: 'allocated',
    purchased: 'purchased',
    promotional: 'promotional',
    compensation: 'compensation',
    top_up: 'topUp',
  } as Record<string, string>;
  for (const e of entries) {
    if (e.account !== 'organization' || e.organizationId === null) continue;
    const key = `${e.organizationId}/${e.creditType}`;
    const row = expected.get(key) ?? {};
    expected.set(key, row);
    const add = (figure: string, amount: number) => (row[figure] = (row[figure] ?? 0) + amount);
    row.balance = e.balanceAfter;
    if (['allocation', 'renewal', 'increment'].includes(e.type)) {
      const kind = e.type === 'increment' ? kinds.get(e.grantId ?? '') : 'allocation';
      add(KIND[kind ?? ''] ?? 'unknown', e.amount);
      add('total', e.amount);
    } else if (e.type === 'decrement' || e.type === 'amendment') add('consumed', -e.amount);
    else if (e.type === 'overage') add('overage', e.amount);
    else if (e.type === 'expiration') add('expired', -e.amount);
    else if (e.type === 'void') add('voided', -e.amount);
    else if (e.type === 'reclaim') add('reclaimed', -e.amount);
    else if (e.type === 'application' || e.type === 'reinstatement') {
      const paid = statuses.get(e.reference ?? '') === 'paid';
      add(paid ? 'applied' : 'pending', -e.amount);
    } else add('unknown', e.amount);
  }
  return expected;
}

describe('reconciliation over random histories', () => {
  const operation = fc.oneof(
    fc.record({
      op: fc.constant('grant' as const),
      org: fc.nat(2),
      kind: fc.constantFrom('promotional', 'compensation', 'purchased'),
      amount: fc.integer({ min: 1, max: 400 }),
      expiresInDays: fc.option(fc.integer({ min: 1, max: 45 }), { nil: null }),
    }),
    fc.record({
      op: fc.constant('consume' as const),
      org: fc.nat(2),
      amount: fc.integer({ min: 1, max: 300 }),
    }),
    fc.record({
      op: fc.constant('allocate' as const),
      org: fc.nat(2),
      credits: fc.integer({ min: 0, max: 600 }),
    }),
    fc.record({ op: fc.constant('voidGrant' as const), org: fc.nat(2), pick: fc.nat(20) }),
    fc.record({ op: fc.constant('advance' as const), days: fc.integer({ min: 1, max: 25 }) }),
    fc.record({
      op: fc.constant('usd' as const),
      org: fc.nat(2),
      amount: fc.integer({ min: 100, max: 3000 }),
      expiresInDays: fc.option(fc.integer({ min: 1, max: 30 }), { nil: null }),
    }),
    fc.record({
      op: fc.constant('sale' as const),
      org: fc.nat(2),
      amount: fc.integer({ min: 100, max: 2000 }),
    }),
    fc.record({ op: fc.constant('pay' as const), pick: fc.nat(20) }),
    fc.record({ op: fc.constant('voidInvoice' as const), pick: fc.nat(20) }),
  );

  it('every row adds up, matches the accounts, and agrees with the ledger the API shows', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 10, maxLength: 40 }), async (ops) => {
        now = new Date('2031-03-03T09:00:00.000Z');
        const { as, organization, partnerId } = await newPartner();
        const orgs = [
          await organization({
            name: 'Alpha',
            tier: 'paid',
            productType: 'B2B',
            initialCredits: 300,
          }),
          await organization({
            name: 'Beta',
            tier: 'trial',
            productType: 'B2C',
            initialCredits: 100,
          }),
          await organization({ name: 'Gamma', tier: 'paid', productType: 'B2B' }),
        ];
        const grants: { org: string; id: string }[] = [];
        // Every organization starts with monetary credits, so sales have some to apply.
        for (const org of orgs) {
          const welcome = await as('POST', `${ORGS}/${org}/credits/grants`, {
            creditType: 'usd',
            amount: 1500,
            expiresAt: new Date(now.getTime() + 20 * DAY).toISOString(),
            reason: 'Welcome credit',
          });
          expect(welcome.status).toBe(201);
          grants.push({ org, id: welcome.body.grant.id });
        }
        const invoices: { id: string }[] = [];
        const orgOf = (i: number) => orgs[i % orgs.length] as string;
        const accepted = (status: number) => expect([200, 201, 404, 409, 422]).toContain(status);
        const expiry = (days: number | null) =>
          days === null ? {} : { expiresAt: new Date(now.getTime() + days * DAY).toISOString() };
        for (const step of ops) {
          if (step.op === 'advance') {
            now = new Date(now.getTime() + step.days * DAY);
            continue;
          }
          if (step.op === 'grant' || step.op === 'usd') {
            const org = orgOf(step.org);
            const body =
              step.op === 'grant'
                ? {
                    kind: step.kind,
                    amount: step.amount,
                    ...(step.kind === 'purchased' && { costBasis: '0.04' }),
                  }
                : { creditType: 'usd', kind: 'promotional', amount: step.amount };
            const made = await as('POST', `${ORGS}/${org}/credits/grants`, {
              ...body,
              ...expiry(step.expiresInDays),
              reason: 'Random grant',
            });
            accepted(made.status);
            if (made.status === 201) grants.push({ org, id: made.body.grant.id });
          } else if (step.op === 'sale') {
            const org = orgOf(step.org);
            const sold = await as('POST', `${ORGS}/${org}/credits/grants`, {
              kind: 'purchased',
              amount: step.amount,
              costBasis: '0.04',
              invoice: true,
              reason: 'Credit pack',
            });
            accepted(sold.status);
            if (sold.status === 201) {
              grants.push({ org, id: sold.body.grant.id });
              invoices.push({ id: sold.body.invoice.id });
            }
          } else if (step.op === 'consume') {
            const used = await as('POST', `${ORGS}/${orgOf(step.org)}/credits/consumptions`, {
              amount: step.amount,
            });
            accepted(used.status);
          } else if (step.op === 'allocate') {
            accepted(
              (await as('PUT', `${ORGS}/${orgOf(step.org)}/credits`, { credits: step.credits }))
                .status,
            );
          } else if (step.op === 'voidGrant') {
            const grant = grants[step.pick % Math.max(grants.length, 1)];
            if (grant)
              accepted(
                (
                  await as('POST', `${ORGS}/${grant.org}/credits/grants/${grant.id}/void`, {
                    reason: 'Random void',
                  })
                ).status,
              );
          } else {
            const invoice = invoices[step.pick % Math.max(invoices.length, 1)];
            if (!invoice) continue;
            const read = await as('GET', `/partner/invoices/${invoice.id}`);
            if (read.body.invoice.status !== 'issued') continue;
            const settled =
              step.op === 'pay'
                ? await as('POST', `/partner/invoices/${invoice.id}/payments`, {
                    amount: read.body.invoice.amountDue,
                    method: 'card',
                  })
                : await as('POST', `/partner/invoices/${invoice.id}/void`, {
                    reason: 'Random void',
                  });
            accepted(settled.status);
          }
        }

        const report = await as('GET', REPORT);
        expect(report.status).toBe(200);
        const rows = report.body.rows as Row[];
        const expected = await expectedFromRest(as, orgs);
        for (const row of rows) {
          expectReconciled(row);
          expect(row.openingBalance).toBe(0);
          const mine = expected.get(`${row.organizationId}/${row.creditType}`) ?? {};
          expect(mine.unknown).toBeUndefined();
          const { balance = 0, consumed = 0, overage = 0, expired = 0, voided = 0 } = mine;
          const { reclaimed = 0, applied = 0, pending = 0 } = mine;
          expect({
            granted: {
              allocated: mine.allocated ?? 0,
              purchased: mine.purchased ?? 0,
              promotional: mine.promotional ?? 0,
              compensation: mine.compensation ?? 0,
              topUp: mine.topUp ?? 0,
              total: mine.total ?? 0,
            },
            consumed,
            overage,
            expired,
            voided,
            reclaimed,
            applied,
            pending,
            balance,
          }).toEqual({
            granted: row.granted,
            consumed: row.consumed,
            overage: row.overage,
            expired: row.expired,
            voided: row.voided,
            reclaimed: row.reclaimed,
            applied: row.applied,
            pending: row.pending,
            balance: row.balance,
          });
          // The balance is the account's; available and pending are what the balances API says.
          const account = await server.db
            .selectFrom('accounts')
            .select('balance')
            .where('organization_id', '=', row.organizationId)
            .where('kind', '=', 'organization')
            .where('credit_type', '=', row.creditType)
            .executeTakeFirstOrThrow();
          expect(row.balance).toBe(account.balance);
          const balances = (await as('GET', `${ORGS}/${row.organizationId}/credits`)).body.balances;
          const listed = balances.find(
            (b: { creditType: string }) => b.creditType === row.creditType,
          );
          expect(row.available).toBe(listed.available);
          expect(row.pending).toBe(listed.pending);
        }
        // Every organization account is a row: nothing of the ledger is left out.
        const keys = rows.map((r) => `${r.organizationId}/${r.creditType}`);
        for (const key of expected.keys()) expect(keys).toContain(key);

        // Any split of the range adds up: the earlier part's balance opens the later one.
        const today = now.toISOString().slice(0, 10);
        const split = new Date(now.getTime() - 10 * DAY).toISOString().slice(0, 10);
        const before = new Date(now.getTime() - 11 * DAY).toISOString().slice(0, 10);
        const [early, late] = await Promise.all([
          as('GET', `${REPORT}?endDate=${before}`),
          as('GET', `${REPORT}?startDate=${split}&endDate=${today}`),
        ]);
        for (const row of rows) {
          const later = rowOf(late.body.rows, row.organizationId, row.creditType);
          expectReconciled(later);
          const earlier = early.body.rows.find(
            (r: Row) => r.organizationId === row.organizationId && r.creditType === row.creditType,
          );
          expect(later.openingBalance).toBe(earlier?.balance ?? 0);
          for (const figure of [
            'consumed',
            'expired',
            'voided',
            'reclaimed',
            'applied',
            'pending',
          ] as const)
            expect((earlier?.[figure] ?? 0) + later[figure]).toBe(row[figure]);
          expect((earlier?.granted.total ?? 0) + later.granted.total).toBe(row.granted.total);
        }
        // Totals are the rows' sums; the partner's own rows only.
        for (const total of report.body.totals) {
          const mine = rows.filter((r) => r.creditType === total.creditType);
          expect(total.balance).toBe(mine.reduce((s, r) => s + r.balance, 0));
          expect(total.organizations).toBe(mine.length);
        }
        const own = await server.db
          .selectFrom('organizations')
          .select('id')
          .where('partner_id', '=', partnerId)
          .execute();
        expect(rows.every((r) => own.some((o) => o.id === r.organizationId))).toBe(true);
      }),
      { numRuns: 6 },
    );
  }, 120_000);
});

describe('golden credit reports', () => {
  it('median lifetime follows the burn order, the mean of the middle two credits for an even count', async () => {
    now = new Date('2031-05-01T00:00:00.000Z');
    const { as, organization } = await newPartner('external');
    const org = await organization({ name: 'Median Co', tier: 'paid' });
    const grant = (priority: number) =>
      as('POST', `${ORGS}/${org}/credits/grants`, { amount: 10, priority, reason: 'Lot' });
    expect((await grant(10)).status).toBe(201);
    now = new Date(now.getTime() + DAY);
    expect((await grant(20)).status).toBe(201);
    now = new Date(now.getTime() + 2 * DAY);
    // Priority 10 first (3 days old), then priority 20 (2 days old): 10 credits each.
    expect((await as('POST', `${ORGS}/${org}/credits/consumptions`, { amount: 20 })).status).toBe(
      201,
    );
    const row = rowOf((await as('GET', `${REPORT}?organizationId=${org}`)).body.rows, org);
    expect(row).toMatchObject({
      consumed: 20,
      medianLifetimeDays: '2.50',
      expirationRate: '0.0000',
    });

    // One more credit from nowhere but the second lot: 11 credits at 2+ days, the median moves.
    const more = await as('POST', `${ORGS}/${org}/credits/grants`, {
      amount: 5,
      priority: 30,
      reason: 'Lot',
    });
    expect(more.status).toBe(201);
    now = new Date(now.getTime() + DAY / 2);
    expect((await as('POST', `${ORGS}/${org}/credits/consumptions`, { amount: 1 })).status).toBe(
      201,
    );
    // 10 at 3 days, 10 at 2 days, 1 at 0.5 days: the 11th credit is at 2 days.
    expect(rowOf((await as('GET', REPORT)).body.rows, org).medianLifetimeDays).toBe('2.00');
  });

  it('expiration rate, date range, organization and credit type filters', async () => {
    now = new Date('2031-06-01T10:00:00.000Z');
    const { as, organization } = await newPartner('external');
    const a = await organization({ name: 'Aster', tier: 'paid', productType: 'B2B' });
    const b = await organization({ name: 'Birch', tier: 'trial', productType: 'B2C' });
    const grant = (org: string, body: Record<string, unknown>) =>
      as('POST', `${ORGS}/${org}/credits/grants`, { reason: 'Golden', ...body });
    expect(
      (await grant(a, { amount: 200, kind: 'promotional', expiresAt: '2031-06-06T00:00:00.000Z' }))
        .status,
    ).toBe(201);
    expect((await grant(a, { amount: 100, kind: 'compensation' })).status).toBe(201);
    expect((await grant(b, { amount: 40, kind: 'promotional' })).status).toBe(201);
    expect((await grant(b, { creditType: 'usd', amount: 500 })).status).toBe(201);
    // The expiring grant burns first.
    expect((await as('POST', `${ORGS}/${a}/credits/consumptions`, { amount: 50 })).status).toBe(
      201,
    );
    now = new Date('2031-06-10T10:00:00.000Z');
    expect((await grant(a, { amount: 30, kind: 'purchased', costBasis: '0.05' })).status).toBe(201);

    const all = (await as('GET', REPORT)).body;
    expect(all).toMatchObject({ startDate: null, endDate: '2031-06-10' });
    expect(rowOf(all.rows, a)).toMatchObject({
      organizationName: 'Aster',
      tier: 'paid',
      productType: 'B2B',
      currency: null,
      granted: {
        allocated: 0,
        purchased: 30,
        promotional: 200,
        compensation: 100,
        topUp: 0,
        total: 330,
      },
      consumed: 50,
      expired: 150,
      balance: 130,
      available: 130,
      expirationRate: '0.4545',
      medianLifetimeDays: '0.00',
    });
    expect(rowOf(all.rows, b, 'usd')).toMatchObject({
      currency: 'USD',
      granted: { promotional: 500 },
    });

    // From the 10th: only the purchase is granted; what came before opens the range.
    const late = (await as('GET', `${REPORT}?startDate=2031-06-10&endDate=2031-06-10`)).body;
    expect(rowOf(late.rows, a)).toMatchObject({
      openingBalance: 250,
      granted: { total: 30, purchased: 30 },
      consumed: 0,
      expired: 150,
      balance: 130,
      medianLifetimeDays: null,
    });
    const early = (await as('GET', `${REPORT}?endDate=2031-06-05`)).body;
    expect(rowOf(early.rows, a)).toMatchObject({
      granted: { total: 300 },
      expired: 0,
      balance: 250,
      expirationRate: '0.0000',
    });

    const onlyB = (await as('GET', `${REPORT}?organizationId=${b}`)).body.rows;
    expect(onlyB.map((r: Row) => [r.organizationId, r.creditType])).toEqual([
      [b, 'identification'],
      [b, 'usd'],
    ]);
    const usd = (await as('GET', `${REPORT}?creditType=usd`)).body;
    expect(usd.rows.map((r: Row) => r.creditType)).toEqual(['usd']);
    expect(usd.totals).toMatchObject([{ creditType: 'usd', organizations: 1, balance: 500 }]);
  });

  it('top-ups, purchase revenue, applied and pending credits, segments and the CSV', async () => {
    now = new Date('2031-07-01T10:00:00.000Z');
    const { as, organization } = await newPartner('external');
    const shop = await organization({
      name: 'Shop',
      tier: 'paid',
      productType: 'B2C',
      initialCredits: 100,
    });
    const dental = await organization({
      name: 'Dental',
      tier: 'paid',
      productType: 'B2B',
      initialCredits: 50,
    });
    await organization({
      name: 'Clinic',
      tier: 'paid',
      productType: 'B2B',
      initialCredits: 70,
    });
    expect(
      (
        await as('POST', `${ORGS}/${shop}/credits/grants`, {
          creditType: 'usd',
          amount: 2000,
          reason: 'Welcome',
        })
      ).status,
    ).toBe(201);
    const rule = await as('PUT', `${ORGS}/${shop}/auto-top-up`, {
      threshold: 10,
      amount: 500,
      maxPerPeriod: 3,
      unitPrice: '0.04',
    });
    expect(rule.status).toBe(200);
    expect((await as('POST', `${ORGS}/${shop}/credits/consumptions`, { amount: 95 })).status).toBe(
      201,
    );
    await services.applyAutoTopUps(server.db, () => now);
    // The top-up's $20.00 invoice is paid as issued, all of it from the welcome credit.
    const sale = await as('POST', `${ORGS}/${shop}/credits/grants`, {
      amount: 1000,
      kind: 'purchased',
      costBasis: '0.03',
      invoice: true,
      reason: 'Credit pack',
    });
    expect(sale.status).toBe(201);
    // The welcome credit ($20.00) went to the top-up's invoice: none is left for the $30.00.
    expect(sale.body.invoice).toMatchObject({
      subtotal: '30.00',
      creditsApplied: '0.00',
      status: 'issued',
    });
    const second = await as('POST', `${ORGS}/${shop}/credits/grants`, {
      creditType: 'usd',
      amount: 700,
      reason: 'Goodwill',
    });
    expect(second.status).toBe(201);
    const third = await as('POST', `${ORGS}/${shop}/credits/grants`, {
      amount: 100,
      kind: 'purchased',
      costBasis: '0.05',
      invoice: true,
      reason: 'Small pack',
    });
    expect(third.body.invoice).toMatchObject({
      subtotal: '5.00',
      creditsApplied: '5.00',
      status: 'paid',
    });
    const voided = await as('POST', `/partner/invoices/${sale.body.invoice.id}/void`, {
      reason: 'Mistake',
    });
    expect(voided.status).toBe(200);

    const report = (await as('GET', REPORT)).body;
    expect(rowOf(report.rows, shop)).toMatchObject({
      granted: { allocated: 100, purchased: 1100, topUp: 500, total: 1700 },
      consumed: 95,
      topUps: { count: 1, credits: 500, amount: '20.00', currency: 'USD' },
      // The voided $30.00 sale is not revenue.
      purchaseRevenue: '25.00',
      revenueCurrency: 'USD',
      revenueByCurrency: [{ currency: 'USD', amount: '25.00' }],
    });
    const usd = rowOf(report.rows, shop, 'usd');
    expect(usd).toMatchObject({
      currency: 'USD',
      granted: { total: 2700 },
      applied: 2500,
      pending: 0,
      balance: 200,
    });
    expectReconciled(usd);
    expect(rowOf(report.rows, dental)).toMatchObject({
      purchaseRevenue: null,
      revenueCurrency: null,
      topUps: { count: 0, amount: null },
    });

    expect(report.segments.filter((s: Row) => s.creditType === 'identification')).toMatchObject([
      {
        tier: 'paid',
        productType: 'B2B',
        organizations: 2,
        granted: { allocated: 120 },
        balance: 120,
      },
      {
        tier: 'paid',
        productType: 'B2C',
        organizations: 1,
        granted: { total: 1700 },
        purchaseRevenue: '25.00',
      },
    ]);
    expect(report.totals.find((t: Row) => t.creditType === 'identification')).toMatchObject({
      organizations: 3,
      granted: { total: 1820 },
      consumed: 95,
      purchaseRevenue: '25.00',
    });

    const csv = await as('GET', `${REPORT}.csv?organizationId=${shop}&creditType=identification`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, line, rest] = (csv.body as string).split('\n');
    expect(header).toBe(CREDIT_REPORT_COLUMNS.join(','));
    expect(rest).toBe('');
    const fields = Object.fromEntries(
      CREDIT_REPORT_COLUMNS.map((column, i) => [column, (line ?? '').split(',')[i]]),
    );
    expect(fields).toMatchObject({
      organizationId: shop,
      organizationName: 'Shop',
      creditType: 'identification',
      grantedTotal: '1700',
      grantedTopUp: '500',
      consumed: '95',
      topUpAmount: '20.00',
      purchaseRevenue: '25.00',
      revenueCurrency: 'USD',
      currency: '',
    });
  });

  it('refuses a reversed range, a malformed date and another partner’s organization; shows only its own data', async () => {
    now = new Date('2031-08-01T10:00:00.000Z');
    const mine = await newPartner('external');
    const theirs = await newPartner('external');
    const own = await mine.organization({ name: 'Mine', tier: 'paid', initialCredits: 10 });
    const foreign = await theirs.organization({ name: 'Theirs', tier: 'paid', initialCredits: 99 });

    expectError(
      await mine.as('GET', `${REPORT}?startDate=2031-07-02&endDate=2031-07-01`),
      422,
      'invalid_date_range',
    );
    expectError(
      await mine.as('GET', `${REPORT}.csv?startDate=2031-07-02&endDate=2031-07-01`),
      422,
      'invalid_date_range',
    );
    expect((await mine.as('GET', `${REPORT}?startDate=2031-02-30`)).status).toBe(400);
    expect((await mine.as('GET', `${REPORT}?endDate=yesterday`)).status).toBe(400);
    expect((await mine.as('GET', `${REPORT}?organizationId=${foreign}`)).status).toBe(404);
    expect((await mine.as('GET', `${REPORT}.csv?organizationId=${foreign}`)).status).toBe(404);

    const report = (await mine.as('GET', REPORT)).body;
    expect(report.rows.map((r: Row) => r.organizationId)).toEqual([own]);
    expect(report.totals).toMatchObject([
      { creditType: 'identification', organizations: 1, granted: { total: 10 } },
    ]);
    const csv = (await mine.as('GET', `${REPORT}.csv`)).body as string;
    expect(csv).not.toContain(foreign);
  });
});
