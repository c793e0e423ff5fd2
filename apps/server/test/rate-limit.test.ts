import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ rateLimitPerMinute: 5 });
});
afterAll(() => server.close());

describe('rate limits', () => {
  it('answers 429 in the one error shape past the limit, per API key', async () => {
    // The operator's own calls count against the operator, not the partners.
    const a = await server.createPartner();
    const b = await server.createPartner();
    const statuses = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await server.request('GET', '/partner/billing', { apiKey: a.apiKey })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);

    const limited = await server.request('GET', '/partner/billing', { apiKey: a.apiKey });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

    // Another partner's key has its own budget.
    expect((await server.request('GET', '/partner/billing', { apiKey: b.apiKey })).status).toBe(
      200,
    );
  });
});
