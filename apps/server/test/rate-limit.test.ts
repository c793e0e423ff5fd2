import { defined } from '@allot/domain';
import { describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';

/** Clients at other addresses: X-Forwarded-For, trusted from the loopback proxy. */
const from = (ip: string) => ({ 'x-forwarded-for': ip });

/** A server of its own for each test, so one test's buckets (the operator's too) never meet another's. */
async function withServer(test: (server: TestServer) => Promise<void>) {
  const own = await startTestServer({ rateLimitPerMinute: 5, trustProxy: ['127.0.0.1'] });
  try {
    await test(own);
  } finally {
    await own.close();
  }
}

describe('rate limits', () => {
  it('answers 429 in the one error shape past the limit, per API key, with its headers', () =>
    withServer(async (server) => {
      // The operator's own calls count against the operator, not the partners.
      const a = await server.createPartner();
      const b = await server.createPartner();
      const statuses = [];
      for (let i = 0; i < 6; i++)
        statuses.push(
          (await server.request('GET', '/partner/billing', { apiKey: a.apiKey })).status,
        );
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);

      const limited = await server.request('GET', '/partner/billing', { apiKey: a.apiKey });
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('rate_limited');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.headers.get('x-ratelimit-limit')).toBe('5');
      expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(Number(limited.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
      // Error responses are shared components: `#/components/responses/TooManyRequests`.
      const document = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as {
        paths: Record<string, { get: { responses: Record<string, { $ref: string }> } }>;
        components: { responses: Record<string, { headers: Record<string, unknown> }> };
      };
      const ref = defined(document.paths['/partner/billing']?.get.responses['429'], 'the 429').$ref;
      const tooMany = defined(
        document.components.responses[ref.slice(ref.lastIndexOf('/') + 1)],
        ref,
      );
      expect(Object.keys(tooMany.headers)).toEqual(
        expect.arrayContaining([
          'Retry-After',
          'X-RateLimit-Limit',
          'X-RateLimit-Remaining',
          'X-RateLimit-Reset',
        ]),
      );

      // Another partner's key has its own budget, from the same address.
      expect((await server.request('GET', '/partner/billing', { apiKey: b.apiKey })).status).toBe(
        200,
      );
    }));

  it('counts a wrong operator token against its sender, never against the operator', () =>
    withServer(async (server) => {
      const garbage = { authorization: 'Bearer not-the-operator-token' };
      const statuses = [];
      for (let i = 0; i < 6; i++)
        statuses.push(
          (
            await server.request('GET', '/operator/partners', {
              headers: { ...garbage, ...from('198.51.100.1') },
            })
          ).status,
        );
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
      // The real operator is served from that address and from any other.
      for (const ip of ['198.51.100.1', '198.51.100.2'])
        expect(
          (await server.request('GET', '/operator/partners', { operator: true, headers: from(ip) }))
            .status,
        ).toBe(200);
    }));

  it('counts unknown API keys against their sender: a new key is no new budget', () =>
    withServer(async (server) => {
      const { apiKey } = await server.createPartner();
      const statuses = [];
      for (let i = 0; i < 6; i++)
        statuses.push(
          (
            await server.request('GET', '/partner/billing', {
              apiKey: `allot_sk_made-up-${i}-${Math.random().toString(36).slice(2)}`,
              headers: from('198.51.100.3'),
            })
          ).status,
        );
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
      // Requests without credentials share that address's bucket; a verified key does not.
      expect(
        (await server.request('GET', '/partner/billing', { headers: from('198.51.100.3') })).status,
      ).toBe(429);
      expect(
        (await server.request('GET', '/partner/billing', { apiKey, headers: from('198.51.100.3') }))
          .status,
      ).toBe(200);
    }));

  it('counts every call of a tRPC batch', () =>
    withServer(async (server) => {
      const { apiKey } = await server.createPartner();
      const paths = Array.from({ length: 7 }, () => 'billing.get').join(',');
      const response = await fetch(`${server.url}/trpc/${paths}?batch=1&input=%7B%7D`, {
        headers: { 'x-partner-api-key': apiKey },
      });
      const answers = (await response.json()) as { error?: { data: { httpStatus: number } } }[];
      // The calls run concurrently: which ones are refused varies, how many does not.
      expect(answers.map((answer) => answer.error?.data.httpStatus ?? 200).sort()).toEqual([
        200, 200, 200, 200, 200, 429, 429,
      ]);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(response.headers.get('x-ratelimit-limit')).toBe('5');
      expect((await server.request('GET', '/partner/billing', { apiKey })).status).toBe(429);

      // Without credentials, a batch's calls count against the address the same way.
      const publicCalls = Array.from({ length: 6 }, () => 'auth.session').join(',');
      const anonymous = await fetch(`${server.url}/trpc/${publicCalls}?batch=1&input=%7B%7D`, {
        headers: from('198.51.100.4'),
      });
      const statuses = (
        (await anonymous.json()) as { error?: { data: { httpStatus: number } } }[]
      ).map((answer) => answer.error?.data.httpStatus ?? 200);
      expect(statuses.sort()).toEqual([200, 200, 200, 200, 200, 429]);
    }));

  it('limits IPv6 clients per /64, and reads IPv4-mapped addresses as IPv4', () =>
    withServer(async (server) => {
      const statuses = [];
      for (let i = 1; i <= 6; i++)
        statuses.push(
          (await server.request('GET', '/partner/billing', { headers: from(`2001:db8:5:6::${i}`) }))
            .status,
        );
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
      expect(
        (await server.request('GET', '/partner/billing', { headers: from('2001:db8:5:6:ffff::1') }))
          .status,
      ).toBe(429);
      expect(
        (await server.request('GET', '/partner/billing', { headers: from('2001:db8:5:7::1') }))
          .status,
      ).toBe(401);

      for (let i = 0; i < 5; i++)
        await server.request('GET', '/partner/billing', { headers: from('198.51.100.5') });
      expect(
        (await server.request('GET', '/partner/billing', { headers: from('::ffff:198.51.100.5') }))
          .status,
      ).toBe(429);
    }));

  it('counts requests that reach no procedure against their address', () =>
    withServer(async (server) => {
      // Unknown paths count on arrival.
      const statuses = [];
      for (let i = 0; i < 6; i++)
        statuses.push(
          (await fetch(`${server.url}/api/v1/nowhere`, { headers: from('198.51.100.6') })).status,
        );
      expect(statuses).toEqual([404, 404, 404, 404, 404, 429]);

      // Bodies that do not parse count once answered, so the next call from there is refused.
      const { apiKey } = await server.createPartner();
      for (let i = 0; i < 5; i++) {
        const malformed = await server.request('POST', '/partner/organizations', {
          apiKey,
          rawBody: '{not json',
          headers: from('198.51.100.7'),
        });
        expect(malformed.status).toBe(400);
      }
      expect(
        (await server.request('GET', '/partner/billing', { headers: from('198.51.100.7') })).status,
      ).toBe(429);
    }));
});
