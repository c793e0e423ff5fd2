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
    expect(created.body.organization).toMatchObject({ name: 'Acme Corp', credits: 300, tier: 'trial' });
    const billing = await server.request('GET', '/partner/billing', { apiKey });
    expect(billing.body).toMatchObject({ creditPoolTotal: 1000, creditsAllocated: 300, creditsUnallocated: 700 });
  });
});
