import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const POOL = 1000;

describe('allocations under concurrency', () => {
  it('50 concurrent allocations and creates never over-allocate the pool, and every 2xx is reflected', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: POOL });
    // Ten organizations to allocate into, created up front with nothing drawn.
    const orgs = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        server.request('POST', '/partner/organizations', {
          apiKey,
          body: { name: `Org ${i}`, tier: 'paid' },
        }),
      ),
    );
    const orgIds = orgs.map((r) => r.body.organization.id as string);

    // 25 allocations of 90 to the ten organizations (later ones overwrite earlier ones)
    // and 25 creates drawing 60 each: together far more than the pool holds.
    const requests = Array.from({ length: 50 }, (_, i) =>
      i % 2 === 0
        ? server.request('PUT', `/partner/organizations/${orgIds[i % 10]}/credits`, {
            apiKey,
            body: { credits: 90 + i },
          })
        : server.request('POST', '/partner/organizations', {
            apiKey,
            body: { name: `Concurrent ${i}`, tier: 'paid', initialCredits: 60 },
          }),
    );
    const results = await Promise.all(requests);

    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 201 || s === 422)).toBe(true);
    expect(statuses.filter((s) => s === 422).length).toBeGreaterThan(0);
    for (const refused of results.filter((r) => r.status === 422)) {
      expect(refused.body.error.code).toBe('insufficient_pool_credits');
    }

    const billing = await server.request('GET', '/partner/billing', { apiKey });
    const list = await server.request('GET', '/partner/organizations?pageSize=100', { apiKey });
    const allocatedToOrgs = (list.body.organizations as { credits: number }[]).reduce(
      (sum, o) => sum + o.credits,
      0,
    );

    expect(billing.body.creditPoolTotal).toBe(POOL);
    expect(billing.body.creditsAllocated).toBeLessThanOrEqual(POOL);
    expect(billing.body.creditsAllocated + billing.body.creditsUnallocated).toBe(POOL);
    // The pool's ledger and the organizations agree to the credit.
    expect(allocatedToOrgs).toBe(billing.body.creditsAllocated);

    // Every successful create exists with its credits; every refused one left nothing behind.
    const created = results.filter((r) => r.status === 201);
    for (const response of created) {
      const found = list.body.organizations.find(
        (o: { id: string }) => o.id === response.body.organization.id,
      );
      expect(found?.credits).toBe(60);
    }
    expect(list.body.total).toBe(10 + created.length);
  });

  it('concurrent raises and lowerings of one organization keep pool and organization in step', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 500 });
    const { body } = await server.request('POST', '/partner/organizations', {
      apiKey,
      body: { name: 'Solo', tier: 'paid' },
    });
    const id = body.organization.id as string;
    const targets = Array.from({ length: 30 }, (_, i) => (i * 37) % 700);
    const results = await Promise.all(
      targets.map((credits) =>
        server.request('PUT', `/partner/organizations/${id}/credits`, {
          apiKey,
          body: { credits },
        }),
      ),
    );
    for (const [i, r] of results.entries()) {
      expect(r.status, `target ${targets[i]}: ${JSON.stringify(r.body)}`).toBe(
        (targets[i] as number) > 500 ? 422 : 200,
      );
    }
    const org = await server.request('GET', `/partner/organizations/${id}`, { apiKey });
    const billing = await server.request('GET', '/partner/billing', { apiKey });
    expect(billing.body.creditsAllocated).toBe(org.body.organization.credits);
    expect(billing.body.creditsUnallocated).toBe(500 - org.body.organization.credits);
  });
});
