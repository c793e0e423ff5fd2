import type { IdentityResolver } from '@allot/api';
import type { TestServer } from './harness.ts';
import { ORGS } from './paths.ts';

const SITE = 'https://guarded.client.example';

/** An identity source where every address is a company of its own, named after it. */
export const companyPerAddress: IdentityResolver = {
  resolve: (ip) => Promise.resolve({ company: { name: `Company at ${ip}` } }),
  close: () => {},
};

/**
 * Trips both charge guards of an organization through its pixel, as traffic would: a second
 * company from one /24 past an anomaly threshold of 1 (`pixel.anomaly`), then a company past a
 * daily cap of 1 (`credit_usage.cap_reached`). The server must trust X-Forwarded-For from the
 * loopback and resolve with `companyPerAddress`; the organization needs 1 credit to spend.
 */
export async function tripChargeGuards(server: TestServer, apiKey: string, organizationId: string) {
  const path = `${ORGS}/${organizationId}`;
  await server.ok('PUT', `${path}/pixel`, apiKey, { allowedReferrers: [SITE] });
  const pixel = await server.ok<{ apiKey: string }>('GET', `${path}/pixel`, apiKey);
  const visit = async (visitor: string, ip: string) => {
    const answer = await server.collect(
      { k: pixel.apiKey, v: visitor, e: 'pageview', u: `${SITE}/` },
      { origin: SITE, 'x-forwarded-for': ip },
    );
    if (answer.status !== 202) throw new Error(`collect: ${answer.status}`);
  };
  await server.ok('PUT', `${path}/billing`, apiKey, { anomalyThreshold: 1 });
  await visit('guard-visitor-1', '203.0.113.1');
  await visit('guard-visitor-2', '203.0.113.2');
  await server.ok('PUT', `${path}/billing`, apiKey, {
    anomalyThreshold: null,
    identificationCap: { perDay: 1 },
  });
  await visit('guard-visitor-3', '198.51.100.3');
}
