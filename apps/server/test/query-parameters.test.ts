// One rule for query parameters on every REST route: a parameter the route does not read is a
// 400 `invalid_request` naming it, and nothing changes. A typo (`?limit=` where the list pages
// with `pageSize`) is told to the caller instead of being ignored.
import { routes, type RestRoute } from '@allot/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';

let server: TestServer;
let apiKey: string;
let ids: Record<string, string>;
let clientInvoiceId: string;

beforeAll(async () => {
  server = await startTestServer();
  const partner = await server.createPartner({ billingMode: 'external' });
  apiKey = partner.apiKey;
  const org = await server.request('POST', '/partner/organizations', {
    apiKey,
    body: { name: 'Client', tier: 'paid', initialCredits: 10 },
  });
  const endpoint = await server.request('POST', '/partner/webhooks', {
    apiKey,
    body: { url: 'https://93.184.215.10/hooks' },
  });
  expect([org.status, endpoint.status]).toEqual([201, 201]);
  // An invoice of the partner's, for the invoice routes.
  const partnerId = partner.partner.id;
  const operator = { operator: true };
  await server.request('PUT', `/operator/partners/${partnerId}/pricing`, {
    ...operator,
    body: { currency: 'USD', usageUnitPrice: '0.10' },
  });
  await server.request(
    'POST',
    `/partner/organizations/${org.body.organization.id}/credits/consumptions`,
    {
      apiKey,
      body: { amount: 1 },
    },
  );
  const invoice = await server.request(
    'POST',
    `/operator/partners/${partnerId}/invoices`,
    operator,
  );
  expect(invoice.status).toBe(201);
  // And an invoice of the partner's to its organization, for the client invoice routes.
  await server.request('PUT', '/partner/pricing', { apiKey, body: { currency: 'USD' } });
  const sale = await server.request(
    'POST',
    `/partner/organizations/${org.body.organization.id}/credits/grants`,
    {
      apiKey,
      body: { amount: 100, kind: 'purchased', costBasis: '0.04', invoice: true, reason: 'Pack' },
    },
  );
  expect(sale.status).toBe(201);
  clientInvoiceId = sale.body.invoice.id;
  ids = {
    organizationId: org.body.organization.id,
    endpointId: endpoint.body.endpoint.id,
    partnerId,
    invoiceId: invoice.body.invoice.id,
  };
});
afterAll(async () => {
  await server.close();
});

/** The route's path under /api/v1 with its parameters filled by the fixtures above. */
function pathOf(route: RestRoute) {
  const clientInvoice = route.path.startsWith('/partner/invoices/');
  return route.path.replace(/:(\w+)/g, (_match, name: string) => {
    const id = clientInvoice && name === 'invoiceId' ? clientInvoiceId : ids[name];
    if (!id) throw new Error(`No fixture for :${name} in ${route.path}`);
    return id;
  });
}

const credentials = (route: RestRoute) =>
  route.auth === 'operator' ? { operator: true } : { apiKey };

function expectUnknown(response: { status: number; body: any }, name: string, where: string): void {
  expect(response.status, where).toBe(400);
  expect(response.body.error.code, where).toBe('invalid_request');
  expect(response.body.error.message, where).toContain(name);
  expect(response.body.error.details, where).toEqual([
    expect.objectContaining({ code: 'unrecognized_keys', keys: [name] }),
  ]);
}

const gets = routes.filter((route) => route.method === 'GET');

describe('an unknown query parameter', () => {
  it.each(gets.map((route) => [route.operationId, route] as const))(
    'is a 400 naming it on GET %s, which answers without it',
    async (_name, route) => {
      const path = pathOf(route);
      const plain = await server.request('GET', path, credentials(route));
      expect(plain.status, `${route.operationId} without the parameter`).toBe(200);
      const where = `GET ${route.path}`;
      expectUnknown(
        await server.request('GET', `${path}?unknownParameter=1`, credentials(route)),
        'unknownParameter',
        where,
      );
      // Alongside parameters the route does read, too.
      const known = Object.keys(route.input?.shape ?? {}).find((name) => name === 'page');
      if (known)
        expectUnknown(
          await server.request('GET', `${path}?page=1&unknownParameter=1`, credentials(route)),
          'unknownParameter',
          where,
        );
    },
  );

  it('is a 400 for limit on the lists that page with pageSize', async () => {
    const paged = gets.filter((route) => 'pageSize' in (route.input?.shape ?? {}));
    expect(paged.map((route) => route.operationId).sort()).toEqual([
      'billing.credits.grants',
      'billing.invoices.list',
      'clientInvoices.list',
      'credits.grants.list',
      'operator.invoices.list',
      'operator.partners.list',
      'operator.wallets.grants',
      'organizations.list',
      'webhooks.list',
    ]);
    for (const route of paged)
      expectUnknown(
        await server.request('GET', `${pathOf(route)}?limit=1`, credentials(route)),
        'limit',
        route.operationId,
      );
  });

  it('is a 400 when it repeats a path parameter: the path alone names the resource', async () => {
    const other = await server.request('POST', '/partner/organizations', {
      apiKey,
      body: { name: 'Other', tier: 'paid', initialCredits: 0 },
    });
    expectUnknown(
      await server.request(
        'GET',
        `/partner/organizations/${ids.organizationId}?organizationId=${other.body.organization.id}`,
        { apiKey },
      ),
      'organizationId',
      'organizations.get',
    );
  });

  it('is a 400 on POST, PUT and DELETE, which read their body, and changes nothing', async () => {
    const before = await server.request('GET', '/partner/organizations?pageSize=100', { apiKey });
    expectUnknown(
      await server.request('POST', '/partner/organizations?dryRun=true', {
        apiKey,
        body: { name: 'Refused', tier: 'paid' },
      }),
      'dryRun',
      'organizations.create',
    );
    const org = `/partner/organizations/${ids.organizationId}`;
    expectUnknown(
      await server.request('PUT', `${org}?name=Renamed`, { apiKey, body: { name: 'Renamed' } }),
      'name',
      'organizations.update',
    );
    expectUnknown(
      await server.request('DELETE', `${org}?force=1`, { apiKey }),
      'force',
      'organizations.remove',
    );
    const after = await server.request('GET', '/partner/organizations?pageSize=100', { apiKey });
    expect(after.body).toEqual(before.body);
  });
});
