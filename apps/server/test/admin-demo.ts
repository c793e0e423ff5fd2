import { defined } from '@allot/domain';
// A partner with a few weeks of believable activity, for the accessibility checks and the
// screenshots: organizations on both tiers, identified visitors over several days, ICP profiles,
// grants, a teammate and API keys, and the platform's bills: priced by the operator, one bill now
// overdue, one paid, monetary credits pending and available. The partner bills its organizations
// in its own brand: default prices and one override, a billing profile, and invoices for credit
// sales: one paid, one overdue, one with a welcome credit applied. Everything goes through the
// public APIs and the pixel endpoint.
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

/** The partner's logo, as its branding names it (the screenshots serve it to the browser). */
export const DEMO_LOGO_URL = 'https://cdn.northwind.example/brand/logo.svg';

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

  const operator = async (method: string, path: string, body?: unknown) => {
    const response = await server.request(method, path, { operator: true, body });
    if (response.status >= 300)
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  // The operator prices the partner ($0.02 a pool credit, 20 % tax, 15 days to pay), grants a
  // launch credit and bills the pool at once: $100.00 + $20.00 tax - $25.00 credit, unpaid, so
  // overdue by now.
  await operator('POST', '/operator/credit-types', {
    key: 'usd',
    name: 'US dollar credit',
    unit: 'cent',
    currency: 'USD',
  });
  await operator('PUT', `/operator/partners/${partner.id}/pricing`, {
    currency: 'USD',
    poolUnitPrice: '0.02',
    taxRate: '0.2',
    paymentTermsDays: 15,
  });
  await operator('PUT', `/operator/partners/${partner.id}/billing-profile`, {
    legalName: 'Northwind Digital Ltd',
    billingEmail: 'accounts@northwind.example',
    address: { line1: '12 Harbour Street', city: 'Bristol', postalCode: 'BS1 4RN', country: 'GB' },
  });
  await operator('POST', `/operator/partners/${partner.id}/credits/grants`, {
    amount: 2500,
    creditType: 'usd',
    reason: 'Launch discount',
  });
  await operator('POST', `/operator/partners/${partner.id}/invoices`);

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
  const bluebird = defined(organizations[1], 'the second demo organization');
  const delta = defined(organizations[3], 'the fourth demo organization');
  // What the partner charges its organizations, and its brand on their invoices; Delta Outdoor
  // pays on issue.
  await call('PUT', '/partner/pricing', {
    currency: 'USD',
    periodFee: '49.00',
    creditUnitPrice: '0.05',
    paymentTermsDays: 15,
    taxRate: '0.2',
  });
  await call('PUT', '/partner/branding', {
    displayName: 'Northwind Digital',
    logoUrl: DEMO_LOGO_URL,
    primaryColor: '#0f766e',
    invoicePrefix: 'NW-',
    supportEmail: 'billing@northwind.example',
    footer: 'Northwind Digital Ltd · 12 Harbour Street, Bristol BS1 4RN · VAT GB 123 4567 89',
  });
  await call('PUT', `/partner/organizations/${acme.id}/billing-profile`, {
    legalName: 'Acme Corporation Inc.',
    billingEmail: 'ap@acme-corp.example',
    address: {
      line1: '500 Market Street',
      city: 'San Francisco',
      region: 'CA',
      postalCode: '94105',
      country: 'US',
    },
    taxId: 'US-94-1234567',
  });
  await call('PUT', `/partner/organizations/${delta.id}/pricing`, { paymentTermsDays: 0 });
  /** A sale of credits invoiced at once, as the grant dialog's "Invoice this purchase" does. */
  const sell = async (organizationId: string, amount: number, reason: string, costBasis?: string) =>
    (
      await call('POST', `/partner/organizations/${organizationId}/credits/grants`, {
        amount,
        kind: 'purchased',
        ...(costBasis ? { costBasis } : {}),
        invoice: true,
        reason,
      })
    ).invoice as { id: string; total: string; number: string };
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
  let raise: { id: string; total: string } | undefined;
  let bluebirdSale: { id: string; total: string } | undefined;
  let acmeSale: { id: string; number: string } | undefined;
  for (let day = 17; day >= 0; day -= 1) {
    demoClock.offset = -day * DAY;
    const weekday = new Date(Date.now() - day * DAY).getUTCDay() % 6 !== 0;
    // Mid-period the pool grows by 1,000 credits, billed at once ($24.00) and paid days later.
    if (day === 10) {
      await operator('PUT', `/operator/partners/${partner.id}/billing`, { poolCredits: 6000 });
      raise = (await operator('POST', `/operator/partners/${partner.id}/invoices`)).invoice;
    }
    // The partner's own sales: Bluebird's paid by transfer, Delta's due on issue and unpaid, and
    // Acme's, just now, with its welcome credit applied.
    if (day === 16) bluebirdSale = await sell(bluebird.id, 500, 'Spring package', '0.04');
    if (day === 14 && bluebirdSale)
      await call('POST', `/partner/invoices/${bluebirdSale.id}/payments`, {
        amount: bluebirdSale.total,
        method: 'bank_transfer',
        reference: 'BB-20418',
      });
    if (day === 12) await sell(delta.id, 300, 'Top-up for the summer campaign');
    if (day === 3) {
      await call('POST', `/partner/organizations/${acme.id}/credits/grants`, {
        amount: 2500,
        creditType: 'usd',
        expiresAt: new Date(Date.now() + 87 * DAY).toISOString(),
        reason: 'Welcome credit',
      });
      acmeSale = await sell(acme.id, 1000, 'Q4 package', '0.04');
    }
    if (day === 6 && raise)
      await operator('POST', `/operator/invoices/${raise.id}/payments`, {
        amount: raise.total,
        method: 'bank_transfer',
        reference: 'NW-2291',
      });
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
  // A service credit for the next invoice, expiring within the month.
  await operator('POST', `/operator/partners/${partner.id}/credits/grants`, {
    amount: 5000,
    creditType: 'usd',
    reason: 'Service credit for the pixel outage',
    expiresAt: new Date(Date.now() + 20 * DAY).toISOString(),
  });
  return {
    apiKey,
    partnerId: partner.id,
    email,
    password,
    organizations,
    acmeInvoice: defined(acmeSale, "Acme's invoice"),
  };
}
