import { defined } from '@allot/domain';
// A partner with a few weeks of believable activity, for the accessibility checks and the
// screenshots: organizations on both tiers, identified visitors over several days, ICP profiles,
// grants, a teammate and API keys. Everything goes through the public APIs and the pixel endpoint.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestServer } from './harness.ts';
import { DAY } from './time.ts';

const SITE = 'https://www.northwind-clients.example';

/** Companies behind address ranges; the demo's identity dataset. */
export const DEMO_COMPANIES = [
  ['203.0.113.0/26', 'Acme Analytics', 'acme.example', 'Software', 'US', 240],
  ['203.0.113.64/26', 'Globex Manufacturing', 'globex.example', 'Manufacturing', 'DE', 5200],
  ['203.0.113.128/26', 'Initech', 'initech.example', 'Software', 'US', 85],
  ['203.0.113.192/26', 'Umbrella Health', 'umbrella.example', 'Healthcare', 'GB', 1300],
  ['198.51.100.0/25', 'Stark Logistics', 'stark.example', 'Logistics', 'US', 780],
  ['198.51.100.128/25', 'Wayne Financial', 'wayne.example', 'Finance', 'US', 3100],
] as const;

/** The address `offset` after the start of an IPv4 range. */
function addressIn(cidr: string, offset: number) {
  const [network = ''] = cidr.split('/');
  const [a, b, c, d = 0] = network.split('.').map(Number);
  return `${a}.${b}.${c}.${d + offset}`;
}

export function writeDemoDataset(dir: string): string {
  const path = join(dir, 'demo-companies.jsonl');
  writeFileSync(
    path,
    DEMO_COMPANIES.map(([cidr, name, domain, industry, country, employeeCount]) =>
      JSON.stringify({ cidr, company: { name, domain, industry, country, employeeCount } }),
    ).join('\n'),
  );
  return path;
}

/** The server's clock for the demo: it starts weeks back and is moved forward day by day. */
export const demoClock = { offset: 0, now: () => new Date(Date.now() + demoClock.offset) };

export async function seedDemo(server: TestServer) {
  demoClock.offset = -18 * DAY;
  const email = 'rita@northwind.example';
  const password = 'correct horse battery';
  const { apiKey, partner } = await server.createPartner({
    name: 'Northwind Digital',
    poolCredits: 5000,
    admin: { email, password },
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await server.request(method, path, { apiKey, body });
    if (response.status >= 300)
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };

  const specs = [
    { name: 'Acme Corp', externalId: 'crm-1001', tier: 'paid', initialCredits: 1200 },
    { name: 'Bluebird Travel', externalId: 'crm-1002', tier: 'paid', initialCredits: 800 },
    { name: 'Cedar & Co', externalId: 'crm-1003', tier: 'trial', initialCredits: 300 },
    { name: 'Delta Outdoor', externalId: 'crm-1004', tier: 'paid', initialCredits: 600 },
    { name: 'Evergreen Dental', externalId: 'crm-1005', tier: 'trial', initialCredits: 40 },
    { name: 'Fjord Furniture', externalId: 'crm-1006', tier: 'paid', initialCredits: 400 },
    { name: 'Granite Legal', externalId: 'crm-1007', tier: 'trial', initialCredits: 0 },
  ];
  const organizations: { id: string; name: string; pixelKey: string }[] = [];
  for (const spec of specs) {
    const { organization } = await call('POST', '/partner/organizations', {
      ...spec,
      metadata: { accountManager: 'Rita', segment: spec.tier === 'paid' ? 'growth' : 'trial' },
    });
    await call('PUT', `/partner/organizations/${organization.id}/pixel`, {
      allowedReferrers: [SITE, 'https://*.northwind-clients.example'],
    });
    const pixel = await call('GET', `/partner/organizations/${organization.id}/pixel`);
    organizations.push({ id: organization.id, name: spec.name, pixelKey: pixel.apiKey });
  }
  const acme = defined(organizations[0], 'the first demo organization');
  await call('POST', `/partner/organizations/${acme.id}/icp`, {
    name: 'US software, 50–500 people',
    rules: { industries: ['Software'], countries: ['US'], employeeCount: { min: 50, max: 500 } },
  });
  await call('POST', `/partner/organizations/${acme.id}/icp`, {
    name: 'Enterprise',
    rules: { employeeCount: { min: 1000 } },
  });
  await call('POST', `/partner/organizations/${acme.id}/credits/grants`, {
    amount: 250,
    kind: 'purchased',
    costBasis: '0.04',
    expiresAt: new Date(Date.now() + 120 * DAY).toISOString(),
    reason: 'Q3 top-up package',
  });
  await call('POST', `/partner/organizations/${acme.id}/credits/grants`, {
    amount: 50,
    kind: 'compensation',
    reason: 'Pixel outage in May',
  });

  // Visits over the last weeks: more on weekdays, a few returning visitors.
  const paths = ['/', '/pricing', '/product', '/blog/attribution', '/contact', '/careers'];
  let visitor = 0;
  for (let day = 17; day >= 0; day -= 1) {
    demoClock.offset = -day * DAY;
    const weekday = new Date(Date.now() - day * DAY).getUTCDay() % 6 !== 0;
    for (const [index, organization] of organizations.entries()) {
      const visits = Math.max(0, (weekday ? 5 : 2) - index + ((day * 7 + index) % 4));
      for (let v = 0; v < visits; v += 1) {
        visitor += 1;
        const company = (visitor * 7 + index) % 8;
        const ip =
          company < DEMO_COMPANIES.length
            ? addressIn(defined(DEMO_COMPANIES[company], 'a demo company')[0], 1 + (visitor % 50))
            : `10.0.${index}.${visitor % 250}`;
        const id = `demo-visitor-${String(visitor).padStart(5, '0')}`;
        const headers = { origin: SITE, 'x-forwarded-for': ip };
        for (const path of paths.slice(0, 1 + (visitor % 4))) {
          await server.collect(
            { k: organization.pixelKey, v: id, e: 'pageview', u: `${SITE}${path}` },
            headers,
          );
        }
        await server.collect(
          {
            k: organization.pixelKey,
            v: id,
            e: 'engage',
            u: `${SITE}/`,
            s: 20 + ((visitor * 37) % 400),
          },
          headers,
        );
      }
    }
  }
  demoClock.offset = 0;
  return { apiKey, partnerId: partner.id, email, password, organizations };
}
