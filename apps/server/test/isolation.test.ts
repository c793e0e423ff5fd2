import { randomUUID } from 'node:crypto';
import { routes, type RestRoute } from '@allot/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { ORGS } from './paths.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/**
 * A valid request for every partner route that addresses an organization, keyed by operationId:
 * `body` for PUT/POST, `query` for GET/DELETE. Each one would change (or reveal) something
 * if it reached the organization. A route added to the table without an entry here fails below.
 */
const requests: Record<string, { body?: Record<string, unknown>; query?: string }> = {
  'organizations.get': {},
  'organizations.update': {
    body: { name: 'Hijacked', externalId: 'stolen', metadata: { owner: 'B' }, credits: 1 },
  },
  'organizations.remove': {},
  'organizations.setStatus': { body: { enabled: false } },
  'organizations.setTier': { body: { tier: 'paid' } },
  'organizations.setBilling': {
    body: { billingPeriod: 'quarterly', billingDayOfMonth: 9, creditAllowance: 7 },
  },
  'organizations.setCredits': { body: { credits: 1 } },
  'pixel.get': {},
  'pixel.update': { body: { allowedReferrers: ['https://evil.example'] } },
  'visitors.list': { query: 'page=1&limit=5&icpMatched=false' },
  'icp.list': {},
  'icp.create': { body: { name: 'Stolen', rules: { countries: ['US'] } } },
  'icp.update': { body: { name: 'Hijacked', rules: {} } },
  'icp.remove': {},
  'balanceAlerts.list': {},
  'balanceAlerts.set': { body: { thresholds: [{ credits: 5 }] } },
  'autoTopUp.get': {},
  'autoTopUp.set': { body: { threshold: 1, amount: 1, maxPerPeriod: 1 } },
  'autoTopUp.remove': {},
  'credits.balances': {},
  'credits.grants.create': { body: { amount: 5, reason: 'stolen', kind: 'purchased' } },
  'credits.grants.list': { query: 'status=active' },
  'credits.grants.void': { body: { reason: 'sabotage' } },
  'credits.grants.setExpiry': { body: { expiresAt: '2099-01-01T00:00:00Z', reason: 'sabotage' } },
  'credits.amend': { body: { amount: -1, reason: 'sabotage' } },
  'credits.consume': { body: { amount: 1 } },
  'credits.ledger': { query: 'limit=10' },
  'credits.exportLedger': { query: 'type=allocation' },
  'clientBilling.getOrganizationPricing': {},
  'clientBilling.setOrganizationPricing': { body: { taxRate: '0.5' } },
  'clientBilling.getBillingProfile': {},
  'clientBilling.setBillingProfile': {
    body: {
      legalName: 'Hijacked',
      billingEmail: 'billing@evil.example',
      address: { line1: '1 Evil Street', city: 'Berlin', country: 'DE' },
    },
  },
  'clientInvoices.issue': {},
  'clientInvoices.upcoming': {},
};

const organizationRoutes = routes.filter(
  (route) => route.auth === 'partner' && route.path.includes(':organizationId'),
);

/** An organization, one grant and one ICP profile of it: what an organization route's path can name. */
interface Target {
  organizationId: string;
  grantId: string;
  icpId: string;
}

const pathFor = (route: RestRoute, target: Target) => {
  const query = requests[route.operationId]?.query;
  const path = route.path
    .replace(':organizationId', target.organizationId)
    .replace(':grantId', target.grantId)
    .replace(':icpId', target.icpId);
  return `${path}${query ? `?${query}` : ''}`;
};

const send = (route: RestRoute, target: Target, apiKey: string) =>
  server.request(route.method, pathFor(route, target), {
    apiKey,
    body: requests[route.operationId]?.body,
  });

/** Everything partner A can see about its organization and its account. */
async function snapshot(apiKey: string, organizationId: string) {
  const read = async (path: string) => {
    const response = await server.request('GET', path, { apiKey });
    expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBe(200);
    return response.body;
  };
  return {
    organization: await read(`${ORGS}/${organizationId}`),
    pixel: await read(`${ORGS}/${organizationId}/pixel`),
    visitors: await read(`${ORGS}/${organizationId}/visitors`),
    icp: await read(`${ORGS}/${organizationId}/icp`),
    alerts: await read(`${ORGS}/${organizationId}/balance-alerts`),
    autoTopUp: await read(`${ORGS}/${organizationId}/auto-top-up`),
    balances: await read(`${ORGS}/${organizationId}/credits`),
    grants: await read(`${ORGS}/${organizationId}/credits/grants`),
    ledger: await read(`${ORGS}/${organizationId}/credits/ledger`),
    billing: await read('/partner/billing'),
    pricing: await read(`${ORGS}/${organizationId}/pricing`),
    billingProfile: await read(`${ORGS}/${organizationId}/billing-profile`),
    invoices: await read(`/partner/invoices?organizationId=${organizationId}`),
    list: await read(ORGS),
  };
}

let a: { partner: { id: string }; apiKey: string };
let b: { partner: { id: string }; apiKey: string };

/** A fresh organization of A with something in every field a foreign request could touch. */
async function organizationOfA(): Promise<Target> {
  const created = await server.request('POST', ORGS, {
    apiKey: a.apiKey,
    body: {
      name: `A's client ${randomUUID().slice(0, 8)}`,
      externalId: `a-${randomUUID()}`,
      initialCredits: 50,
      metadata: { owner: 'A' },
    },
  });
  expect(created.status).toBe(201);
  const id = created.body.organization.id as string;
  const pixel = await server.request('PUT', `${ORGS}/${id}/pixel`, {
    apiKey: a.apiKey,
    body: { allowedReferrers: ['https://a-client.example'] },
  });
  expect(pixel.status).toBe(200);
  const seen = new Date('2030-01-01T00:00:00Z');
  await server.db
    .insertInto('visitors')
    .values({
      id: randomUUID(),
      partner_id: a.partner.id,
      organization_id: id,
      email: 'lead@a-client.example',
      first_seen_at: seen,
      last_seen_at: seen,
      client_id: 'lead-visitor',
    })
    .execute();
  const granted = await server.request('POST', `${ORGS}/${id}/credits/grants`, {
    apiKey: a.apiKey,
    body: { amount: 20, reason: 'welcome', expiresAt: '2098-01-01T00:00:00Z' },
  });
  expect(granted.status).toBe(201);
  const profile = await server.request('POST', `${ORGS}/${id}/icp`, {
    apiKey: a.apiKey,
    body: { name: 'Enterprise', rules: { employeeCount: { min: 1000 } } },
  });
  expect(profile.status).toBe(201);
  const topUp = await server.request('PUT', `${ORGS}/${id}/auto-top-up`, {
    apiKey: a.apiKey,
    body: { threshold: 2, amount: 10, maxPerPeriod: 3 },
  });
  expect(topUp.status).toBe(200);
  // A sale whose invoice was voided: billing the organization now bills it again.
  const sale = await server.request('POST', `${ORGS}/${id}/credits/grants`, {
    apiKey: a.apiKey,
    body: { amount: 10, kind: 'purchased', costBasis: '0.04', invoice: true, reason: 'Pack' },
  });
  expect(sale.status).toBe(201);
  const voided = await server.request('POST', `/partner/invoices/${sale.body.invoice.id}/void`, {
    apiKey: a.apiKey,
    body: { reason: 'Issued in error' },
  });
  expect(voided.status).toBe(200);
  return {
    organizationId: id,
    grantId: granted.body.grant.id as string,
    icpId: profile.body.profile.id as string,
  };
}

beforeAll(async () => {
  a = await server.createPartner({ name: 'Partner A', poolCredits: 5000 });
  b = await server.createPartner({ name: 'Partner B', poolCredits: 5000 });
  // A invoices its organizations.
  const pricing = await server.request('PUT', '/partner/pricing', {
    apiKey: a.apiKey,
    body: { currency: 'USD' },
  });
  expect(pricing.status).toBe(200);
  // B has organizations of its own, so a leak would have somewhere to go.
  const own = await server.request('POST', ORGS, {
    apiKey: b.apiKey,
    body: { name: "B's client", initialCredits: 10 },
  });
  expect(own.status).toBe(201);
});

describe('the route table', () => {
  it('has a request here for exactly the partner routes that take an organization id', () => {
    expect(organizationRoutes.length).toBeGreaterThanOrEqual(10);
    expect(organizationRoutes.map((route) => route.operationId).sort()).toEqual(
      Object.keys(requests).sort(),
    );
  });

  it.each(organizationRoutes.map((route) => [route.operationId, route] as const))(
    'the request for %s passes its own input schema (so a 404 cannot be a disguised 400)',
    (_operationId, route) => {
      const { body, query } = requests[route.operationId] ?? {};
      const fromQuery = Object.fromEntries(
        [...new URLSearchParams(query ?? '')].map(([key, value]) => [
          key,
          /^\d+$/.test(value) ? Number(value) : value,
        ]),
      );
      expect(
        route.input?.safeParse({
          ...fromQuery,
          ...body,
          organizationId: randomUUID(),
          ...(route.path.includes(':grantId') ? { grantId: randomUUID() } : {}),
          ...(route.path.includes(':icpId') ? { icpId: randomUUID() } : {}),
        }).success,
      ).toBe(true);
    },
  );
});

describe("partner B addressing partner A's organization", () => {
  it.each(organizationRoutes.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s answers 404 not_found and changes nothing',
    async (_label, route) => {
      const target = await organizationOfA();
      const id = target.organizationId;
      const before = await snapshot(a.apiKey, id);
      const bBefore = await snapshot(
        b.apiKey,
        (await server.request('GET', ORGS, { apiKey: b.apiKey })).body.organizations[0].id,
      );

      const foreign = await send(route, target, b.apiKey);
      expect(foreign.status, JSON.stringify(foreign.body)).toBe(404);
      expect(foreign.body).toEqual({
        error: { code: 'not_found', message: expect.any(String), requestId: expect.any(String) },
      });
      // Indistinguishable from an id that does not exist at all: nothing leaks.
      const missing = await send(route, { ...target, organizationId: randomUUID() }, b.apiKey);
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({
        error: { ...foreign.body.error, requestId: missing.headers.get('x-request-id') },
      });
      expect(JSON.stringify(foreign.body)).not.toContain(id);

      expect(await snapshot(a.apiKey, id)).toEqual(before);
      expect(await snapshot(b.apiKey, bBefore.organization.organization.id)).toEqual(bBefore);

      // The same request from A itself is accepted: the 404 was about ownership, not the request.
      const own = await send(route, target, a.apiKey);
      expect(own.status, JSON.stringify(own.body)).toBe(route.status);
    },
  );
});

describe('listing never crosses partners', () => {
  it('list, search, status, tier and externalId filters only ever return your own organizations', async () => {
    const shared = { name: 'Shared Name Inc', externalId: 'shared-ext', tier: 'paid' };
    const ofA = await server.request('POST', ORGS, { apiKey: a.apiKey, body: shared });
    const ofB = await server.request('POST', ORGS, { apiKey: b.apiKey, body: shared });
    expect([ofA.status, ofB.status]).toEqual([201, 201]);
    const aId = ofA.body.organization.id;
    const bId = ofB.body.organization.id;

    const aIds = (
      await server.db
        .selectFrom('organizations')
        .select('id')
        .where('partner_id', '=', a.partner.id)
        .execute()
    ).map((r) => r.id);
    const bIds = (
      await server.db
        .selectFrom('organizations')
        .select('id')
        .where('partner_id', '=', b.partner.id)
        .execute()
    ).map((r) => r.id);

    for (const query of [
      '',
      '?search=Shared',
      '?search=client',
      '?externalId=shared-ext',
      '?status=active',
      '?tier=paid',
      '?pageSize=100',
    ]) {
      const forB = await server.request('GET', `${ORGS}${query}`, { apiKey: b.apiKey });
      expect(forB.status).toBe(200);
      const seen = forB.body.organizations.map((o: { id: string }) => o.id) as string[];
      expect(
        seen.filter((id) => aIds.includes(id)),
        `B saw A's organizations for "${query}"`,
      ).toEqual([]);
      expect(seen.every((id) => bIds.includes(id))).toBe(true);
      expect(forB.body.total).toBeLessThanOrEqual(bIds.length);

      const forA = await server.request('GET', `${ORGS}${query}`, { apiKey: a.apiKey });
      const seenByA = forA.body.organizations.map((o: { id: string }) => o.id) as string[];
      expect(
        seenByA.filter((id) => bIds.includes(id)),
        `A saw B's organizations for "${query}"`,
      ).toEqual([]);
    }

    const byExternal = await server.request('GET', `${ORGS}?externalId=shared-ext`, {
      apiKey: b.apiKey,
    });
    expect(byExternal.body.organizations.map((o: { id: string }) => o.id)).toEqual([bId]);
    expect(byExternal.body.total).toBe(1);
    const bySearch = await server.request('GET', `${ORGS}?search=shared%20name`, {
      apiKey: a.apiKey,
    });
    expect(bySearch.body.organizations.map((o: { id: string }) => o.id)).toEqual([aId]);
    expect(bySearch.body.total).toBe(1);

    const all = await server.request('GET', `${ORGS}?pageSize=100`, { apiKey: b.apiKey });
    expect(all.body.total).toBe(bIds.length);
    expect((all.body.organizations as { id: string }[]).map((o) => o.id).sort()).toEqual(
      [...bIds].sort(),
    );
  });

  it("keeps billing, usage and analytics figures to the partner's own organizations", async () => {
    const before = await server.request('GET', '/partner/analytics', { apiKey: b.apiKey });
    const created = await server.request('POST', ORGS, {
      apiKey: a.apiKey,
      body: { name: 'Only A', initialCredits: 100 },
    });
    expect(created.status).toBe(201);
    const after = await server.request('GET', '/partner/analytics', { apiKey: b.apiKey });
    expect(after.body).toEqual(before.body);
    const usage = await server.request('GET', '/partner/billing/usage', { apiKey: b.apiKey });
    expect(
      usage.body.organizations.map((o: { organizationId: string }) => o.organizationId),
    ).not.toContain(created.body.organization.id);
  });
});

describe("partner B addressing partner A's invoice", () => {
  const invoiceRoutes = routes.filter(
    (route) => route.auth === 'partner' && route.path.includes(':invoiceId'),
  );
  /** A valid request for each, so that a 404 cannot be a disguised 400. */
  const invoiceRequests: Record<string, Record<string, unknown> | undefined> = {
    'clientInvoices.pay': { amount: '0.40', method: 'bank_transfer' },
    'clientInvoices.void': { reason: 'sabotage' },
  };
  let invoiceId: string;
  beforeAll(async () => {
    const operator = { operator: true };
    await server.request('PUT', `/operator/partners/${a.partner.id}/pricing`, {
      ...operator,
      body: { currency: 'USD', poolUnitPrice: '0.01' },
    });
    const issued = await server.request(
      'POST',
      `/operator/partners/${a.partner.id}/invoices`,
      operator,
    );
    expect(issued.status).toBe(201);
    invoiceId = issued.body.invoice.id as string;
  });

  /** The operator's invoice to A, or a fresh invoice of A to one of its organizations. */
  async function invoiceFor(route: RestRoute) {
    if (!route.path.startsWith('/partner/invoices/')) return invoiceId;
    const { organizationId } = await organizationOfA();
    const sale = await server.request('POST', `${ORGS}/${organizationId}/credits/grants`, {
      apiKey: a.apiKey,
      body: { amount: 10, kind: 'purchased', costBasis: '0.04', invoice: true, reason: 'Pack' },
    });
    expect(sale.status).toBe(201);
    return sale.body.invoice.id as string;
  }

  it('covers every partner route that takes an invoice id', () => {
    expect(invoiceRoutes.map((route) => route.operationId).sort()).toEqual([
      'billing.invoices.get',
      'billing.invoices.pdf',
      'clientInvoices.email',
      'clientInvoices.get',
      'clientInvoices.pay',
      'clientInvoices.pdf',
      'clientInvoices.void',
    ]);
  });

  it.each(invoiceRoutes.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s is a 404 for B and answers A',
    async (_name, route) => {
      const id = await invoiceFor(route);
      const path = route.path.replace(':invoiceId', id);
      const body = invoiceRequests[route.operationId];
      const read = () =>
        server.request('GET', `/partner/invoices?pageSize=100`, { apiKey: a.apiKey });
      const before = await read();
      const foreign = await server.request(route.method, path, { apiKey: b.apiKey, body });
      expect(foreign.status).toBe(404);
      expect(foreign.body.error.code).toBe('not_found');
      expect((await read()).body).toEqual(before.body);
      const own = await server.request(route.method, path, { apiKey: a.apiKey, body });
      expect(own.status, JSON.stringify(own.body)).toBe(route.status);
    },
  );

  it("leaves A's invoices out of B's list", async () => {
    const list = await server.request('GET', '/partner/billing/invoices', { apiKey: b.apiKey });
    expect(list.body.invoices.map((i: { id: string }) => i.id)).not.toContain(invoiceId);
    const own = await server.request('GET', '/partner/billing/invoices', { apiKey: a.apiKey });
    expect(own.body.invoices.map((i: { id: string }) => i.id)).toContain(invoiceId);
  });
});
