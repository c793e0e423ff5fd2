import { EVENT_TYPES, TEST_EVENT_TYPE } from '@allot/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('a partner onboarded by the operator', () => {
  it('creates an organization with credits drawn from the pool', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const created = await server.request('POST', '/partner/organizations', {
      apiKey,
      body: { name: 'Acme Corp', externalId: 'acme-123', tier: 'trial', initialCredits: 300 },
    });
    expect(created.status).toBe(201);
    expect(created.body.organization).toMatchObject({
      name: 'Acme Corp',
      credits: 300,
      tier: 'trial',
    });
    const billing = await server.request('GET', '/partner/billing', { apiKey });
    expect(billing.body).toMatchObject({
      creditPoolTotal: 1000,
      creditsAllocated: 300,
      creditsUnallocated: 700,
    });
  });
});

describe('documentation', () => {
  it('serves the OpenAPI 3.1 document and the rendered docs', async () => {
    const document = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as {
      openapi: string;
      paths: object;
      webhooks: Record<string, { post: { requestBody: { content: Record<string, object> } } }>;
      components: { schemas: Record<string, { properties: Record<string, object> }> };
    };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toContain(
      '/partner/organizations/{organizationId}/credits',
    );
    // Every event a partner can receive is documented, with its payload schema.
    expect(Object.keys(document.webhooks).sort()).toEqual([...EVENT_TYPES, TEST_EVENT_TYPE].sort());
    expect(
      document.webhooks['credit_balance.depleted']?.post.requestBody.content['application/json'],
    ).toEqual({ schema: { $ref: '#/components/schemas/CreditBalanceDepletedEvent' } });
    expect(document.components.schemas.CreditBalanceDepletedEvent?.properties.type).toMatchObject({
      const: 'credit_balance.depleted',
    });
    const docs = await fetch(`${server.url}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
  });

  it('answers unknown routes with the one error shape', async () => {
    const response = await fetch(`${server.url}/api/v1/partner/nothing`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: {
        code: 'not_found',
        message: 'No route GET /api/v1/partner/nothing',
        requestId: response.headers.get('x-request-id'),
      },
    });
  });
});
