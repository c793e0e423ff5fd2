import { defined } from '@allot/domain';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { rawGet } from './raw-http.ts';
import { ORGS } from './paths.ts';
import { datasetIdentity } from './datasets.ts';

// A real dataset file, loaded by the real dataset adapter: who is behind which addresses.
const DATASET = [
  {
    cidr: '203.0.113.0/24',
    company: {
      name: 'Acme Corp',
      domain: 'acme.example',
      industry: 'Software',
      employeeCount: 250,
      revenue: 50_000_000,
      country: 'US',
    },
  },
  {
    cidr: '198.51.100.0/24',
    company: {
      name: 'Globex',
      domain: 'eu.globex.example',
      industry: 'Manufacturing',
      employeeCount: 5000,
      revenue: 900_000_000,
      country: 'DE',
    },
  },
  {
    cidr: '192.0.2.0/24',
    company: { name: 'Initech', domain: 'initech.example', industry: 'Software', country: 'US' },
    person: { email: 'jane@initech.example', firstName: 'Jane', lastName: 'Doe', title: 'CTO' },
  },
];
const ACME_IP = '203.0.113.10';
const GLOBEX_IP = '198.51.100.20';
const INITECH_IP = '192.0.2.30';
const UNKNOWN_IP = '10.9.8.7';
const SITE = 'https://www.client.example';

let identity: Awaited<ReturnType<typeof datasetIdentity>>;
let server: TestServer;
let now = new Date('2030-03-10T12:00:00.000Z');

beforeAll(async () => {
  identity = await datasetIdentity(DATASET);
  // Events carry their visitor's address in X-Forwarded-For, trusted from the loopback proxy.
  server = await startTestServer({
    identity: identity.resolver,
    trustProxy: ['127.0.0.1'],
    now: () => now,
  });
});
afterAll(async () => {
  await server.close();
  await identity.close();
});

interface Site {
  apiKey: string;
  partnerId: string;
  orgId: string;
  pixelKey: string;
}

async function site(
  org: Record<string, unknown> = {},
  partner: Record<string, unknown> = {},
): Promise<Site> {
  const created = await server.createPartner({ poolCredits: 1000, ...partner });
  const response = await server.request('POST', ORGS, {
    apiKey: created.apiKey,
    body: { name: 'Client', tier: 'paid', initialCredits: 10, ...org },
  });
  expect(response.status).toBe(201);
  const orgId = response.body.organization.id as string;
  await server.request('PUT', `${ORGS}/${orgId}/pixel`, {
    apiKey: created.apiKey,
    body: { allowedReferrers: [SITE, 'https://*.client.example'] },
  });
  const pixel = await server.request('GET', `${ORGS}/${orgId}/pixel`, { apiKey: created.apiKey });
  return {
    apiKey: created.apiKey,
    partnerId: created.partner.id,
    orgId,
    pixelKey: pixel.body.apiKey,
  };
}

function send(
  s: Site,
  visitor: string,
  ip: string,
  event: Record<string, unknown> = {},
  origin = SITE,
) {
  return server.collect(
    { k: s.pixelKey, v: visitor, e: 'pageview', u: `${origin}/pricing`, ...event },
    { origin, 'x-forwarded-for': ip },
  );
}

async function visitors(s: Site, query = '') {
  const response = await server.request('GET', `${ORGS}/${s.orgId}/visitors${query}`, {
    apiKey: s.apiKey,
  });
  expect(response.status).toBe(200);
  return response.body as { visitorsCount: number; visitorStatistics: Record<string, any>[] };
}

async function balance(s: Site) {
  const response = await server.request('GET', `${ORGS}/${s.orgId}/credits`, { apiKey: s.apiKey });
  return response.body.balances[0] as { available: number; used: number; overage: number };
}

async function rowsOf(table: 'visitors' | 'identifications' | 'pixel_daily', orgId: string) {
  return server.db.selectFrom(table).selectAll().where('organization_id', '=', orgId).execute();
}

describe('GET /script.js', () => {
  it("serves an active organization's script, cacheable with an ETag", async () => {
    const s = await site();
    const response = await fetch(`${server.url}/script.js?key=${s.pixelKey}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    const body = await response.text();
    expect(body.length).toBeGreaterThan(200);
    expect(body).toContain('/collect');
    const etag = defined(response.headers.get('etag'), 'the ETag');
    expect(etag).toMatch(/^".+"$/);

    const again = await fetch(`${server.url}/script.js?key=${s.pixelKey}`, {
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('goes out precompressed, under 800 bytes with gzip, with an ETag per encoding', async () => {
    const s = await site();
    const url = `${server.url}/script.js?key=${s.pixelKey}`;
    const plain = await rawGet(url);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toMatch(/accept-encoding/i);
    const decoders = { gzip: gunzipSync, br: brotliDecompressSync };
    const etags = new Set([plain.headers.etag]);
    for (const [encoding, decode] of Object.entries(decoders)) {
      const response = await rawGet(url, { 'accept-encoding': encoding });
      expect(response.status).toBe(200);
      expect(response.headers['content-encoding']).toBe(encoding);
      expect(response.headers.vary).toMatch(/accept-encoding/i);
      // What the network carries, not the decoded length.
      expect(response.body.length).toBeLessThan(800);
      expect(Number(response.headers['content-length'])).toBe(response.body.length);
      expect(decode(response.body).equals(plain.body)).toBe(true);
      console.log(
        `script.js: ${plain.body.length} B identity, ${response.body.length} B ${encoding}`,
      );
      // Each encoding is its own representation, with its own ETag, and revalidates as itself.
      etags.add(response.headers.etag);
      const again = await rawGet(url, {
        'accept-encoding': encoding,
        'if-none-match': defined(response.headers.etag, 'the ETag'),
      });
      expect(again.status).toBe(304);
      expect(again.body.length).toBe(0);
    }
    expect(etags.size).toBe(3);
    // A browser preferring brotli gets brotli; one that takes anything but these gets the script.
    const preferred = await rawGet(url, { 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(preferred.headers['content-encoding']).toBe('br');
    const other = await rawGet(url, { 'accept-encoding': 'deflate' });
    expect(other.headers['content-encoding']).toBeUndefined();
    expect(other.body.equals(plain.body)).toBe(true);
    // The identity ETag never matches a compressed answer: no 304 for bytes the cache lacks.
    const mismatch = await rawGet(url, {
      'accept-encoding': 'gzip',
      'if-none-match': defined(plain.headers.etag, 'the ETag'),
    });
    expect(mismatch.status).toBe(200);
  });

  it('answers an empty 200 for an unknown, missing, suspended or canceled key, and serves again once re-enabled', async () => {
    const s = await site();
    const script = async (query: string) => {
      const response = await fetch(`${server.url}/script.js${query}`);
      return { status: response.status, body: await response.text() };
    };
    expect(await script('?key=nope')).toEqual({ status: 200, body: '' });
    expect(await script('')).toEqual({ status: 200, body: '' });

    const enable = (enabled: boolean) =>
      server.request('PUT', `${ORGS}/${s.orgId}/status`, { apiKey: s.apiKey, body: { enabled } });
    expect((await enable(false)).status).toBe(200);
    expect(await script(`?key=${s.pixelKey}`)).toEqual({ status: 200, body: '' });
    await enable(true);
    expect((await script(`?key=${s.pixelKey}`)).body).not.toBe('');
    expect(
      (await server.request('DELETE', `${ORGS}/${s.orgId}`, { apiKey: s.apiKey })).status,
    ).toBe(204);
    expect(await script(`?key=${s.pixelKey}`)).toEqual({ status: 200, body: '' });
  });
});

describe('POST /collect: refusals write no visitor data', () => {
  it('answers 400 for a body that is not JSON or not an event, and 413 past 4 KB', async () => {
    const s = await site();
    expect((await server.collect('not json', { origin: SITE })).status).toBe(400);
    const invalid = await server.collect(
      { k: s.pixelKey, v: 'short', e: 'click', u: 'javascript:alert(1)' },
      { origin: SITE },
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('invalid_request');
    expect(invalid.body.error.details.map((issue: { path: string[] }) => issue.path[0])).toEqual(
      expect.arrayContaining(['v', 'e', 'u']),
    );
    const huge = await server.collect(
      { k: s.pixelKey, v: 'visitor-0001', e: 'pageview', u: `${SITE}/${'a'.repeat(5000)}` },
      { origin: SITE },
    );
    expect(huge.status).toBe(413);
    expect(await rowsOf('visitors', s.orgId)).toEqual([]);
  });

  it('refuses an unknown key, a foreign origin, a missing origin and a disabled organization', async () => {
    const s = await site();
    const unknown = await server.collect(
      { k: 'no-such-key', v: 'visitor-0001', e: 'pageview', u: `${SITE}/` },
      { origin: SITE, 'x-forwarded-for': ACME_IP },
    );
    expect(unknown.status).toBe(404);

    for (const origin of ['https://client.example.evil.io', 'http://www.client.example']) {
      const foreign = await send(s, 'visitor-0001', ACME_IP, {}, origin);
      expect(foreign.status).toBe(422);
      expect(foreign.body.error.code).toBe('referrer_not_allowed');
    }
    const anonymous = await server.collect(
      { k: s.pixelKey, v: 'visitor-0001', e: 'pageview', u: `${SITE}/` },
      { 'x-forwarded-for': ACME_IP },
    );
    expect(anonymous.status).toBe(422);

    await server.request('PUT', `${ORGS}/${s.orgId}/status`, {
      apiKey: s.apiKey,
      body: { enabled: false },
    });
    const suspended = await send(s, 'visitor-0001', ACME_IP);
    expect(suspended.status).toBe(422);
    expect(suspended.body.error.code).toBe('organization_inactive');

    expect(await rowsOf('visitors', s.orgId)).toEqual([]);
    expect(await rowsOf('identifications', s.orgId)).toEqual([]);
    expect((await balance(s)).used).toBe(0);
    // Counted, not stored.
    const counters = await rowsOf('pixel_daily', s.orgId);
    const total = (pick: (row: (typeof counters)[number]) => number) =>
      counters.reduce((sum, row) => sum + pick(row), 0);
    expect([total((row) => row.events), total((row) => row.refused)]).toEqual([0, 4]);
  });

  it('takes the origin from the Referer when there is no Origin, and matches subdomain wildcards', async () => {
    const s = await site();
    const viaReferer = await server.collect(
      { k: s.pixelKey, v: 'visitor-0001', e: 'pageview', u: 'https://shop.client.example/cart' },
      { referer: 'https://shop.client.example/cart?x=1', 'x-forwarded-for': UNKNOWN_IP },
    );
    expect(viaReferer.status).toBe(202);
    expect((await visitors(s)).visitorsCount).toBe(1);
  });
});

describe('POST /collect: identification and credits', () => {
  it('does not charge an identity again when the billing cycle changes mid-period', async () => {
    const s = await site();
    await send(s, 'before-the-change', ACME_IP);
    expect(await balance(s)).toMatchObject({ used: 1 });
    // The period containing now moves from 03-01..04-01 to 02-15..03-15.
    const changed = await server.request('PUT', `${ORGS}/${s.orgId}/billing`, {
      apiKey: s.apiKey,
      body: { billingPeriod: 'monthly', billingDayOfMonth: 15 },
    });
    expect(changed.status).toBe(200);
    await send(s, 'after-the-change', ACME_IP);
    expect(await balance(s)).toMatchObject({ used: 1 });
    await send(s, 'another-company', GLOBEX_IP);
    expect(await balance(s)).toMatchObject({ used: 2 });

    // The first period under the new cycle charges it again.
    const start = now;
    now = new Date('2030-03-16T12:00:00.000Z');
    try {
      await send(s, 'in-the-new-period', ACME_IP);
      expect(await balance(s)).toMatchObject({ used: 1 });
    } finally {
      now = start;
    }
  });

  it('charges an identity, not a browser: 200 visitor ids of one company cost one credit a period', async () => {
    const s = await site();
    for (let i = 0; i < 200; i += 1)
      expect((await send(s, `cleared-storage-${i}`, ACME_IP)).status).toBe(202);
    expect(await balance(s)).toMatchObject({ available: 9, used: 1 });
    const list = await visitors(s, '?limit=100');
    expect(list.visitorsCount).toBe(200);
    const identities = new Set(list.visitorStatistics.map((v) => v.identityId));
    expect(identities.size).toBe(1);
    expect(list.visitorStatistics.every((v) => v.identified && v.companyName === 'Acme Corp')).toBe(
      true,
    );
    // The ledger says which identity the credit paid for, and which visitor's event charged it:
    // the first browser.
    const ledger = await server.request('GET', `${ORGS}/${s.orgId}/credits/ledger?type=decrement`, {
      apiKey: s.apiKey,
    });
    const firstBrowser = await server.db
      .selectFrom('visitors')
      .select(['id', 'identity_id'])
      .where('organization_id', '=', s.orgId)
      .where('client_id', '=', 'cleared-storage-0')
      .executeTakeFirstOrThrow();
    expect(ledger.body.entries.map((e: { reference: string }) => e.reference)).toEqual([
      `identity:${[...identities][0]} visitor:${firstBrowser.id}`,
    ]);
    expect(firstBrowser.identity_id).toBe([...identities][0]);

    // Another company is another identity and another credit.
    await send(s, 'globex-browser', GLOBEX_IP);
    expect(await balance(s)).toMatchObject({ available: 8, used: 2 });

    // The next period charges the identity once again, whichever browser comes first.
    const start = now;
    now = new Date(start.getTime() + 31 * 86_400_000);
    try {
      await send(s, 'cleared-storage-new', ACME_IP);
      await send(s, 'cleared-storage-7', ACME_IP);
      expect(await balance(s)).toMatchObject({ used: 1 });
    } finally {
      now = start;
    }
  });

  it('identifies a B2B visitor once per period: one credit however many page views and events', async () => {
    const s = await site();
    expect((await send(s, 'visitor-acme-1', ACME_IP)).status).toBe(202);
    for (const path of ['/pricing', '/docs', '/pricing'])
      expect((await send(s, 'visitor-acme-1', ACME_IP, { u: `${SITE}${path}` })).status).toBe(202);
    expect(
      (await send(s, 'visitor-acme-1', ACME_IP, { e: 'engage', s: 42, u: `${SITE}/pricing` }))
        .status,
    ).toBe(202);

    expect(await balance(s)).toMatchObject({ available: 9, used: 1 });
    const list = await visitors(s);
    expect(list.visitorsCount).toBe(1);
    expect(list.visitorStatistics[0]).toEqual({
      visitorId: expect.any(String),
      email: null,
      emailSource: null,
      firstName: null,
      lastName: null,
      companyName: 'Acme Corp',
      companyDomain: 'acme.example',
      industry: 'Software',
      employeeCount: 250,
      country: 'US',
      identified: true,
      identityId: expect.any(String),
      icpMatch: { matched: false, profiles: [] },
      pageViews: 4,
      sessions: 1,
      engagedSeconds: 42,
      firstSeenAt: now.toISOString(),
      lastSeenAt: now.toISOString(),
      topPages: [
        { path: '/pricing', views: 3 },
        { path: '/docs', views: 1 },
      ],
    });
    expect(await rowsOf('identifications', s.orgId)).toHaveLength(1);
    const pixel = await server.request('GET', `${ORGS}/${s.orgId}/pixel`, { apiKey: s.apiKey });
    expect(pixel.body.lastEventAt).toBe(now.toISOString());
  });

  it('costs nothing for an unresolvable visitor, who is still recorded', async () => {
    const s = await site();
    expect((await send(s, 'visitor-nobody-1', UNKNOWN_IP)).status).toBe(202);
    expect((await send(s, 'visitor-nobody-1', UNKNOWN_IP)).status).toBe(202);
    expect((await balance(s)).used).toBe(0);
    const [visitor] = (await visitors(s)).visitorStatistics;
    expect(visitor).toMatchObject({ identified: false, companyName: null, pageViews: 2 });
  });

  it('counts a new session after 30 idle minutes, not before', async () => {
    const s = await site();
    const start = now;
    try {
      await send(s, 'visitor-sessions', UNKNOWN_IP);
      now = new Date(start.getTime() + 29 * 60_000);
      await send(s, 'visitor-sessions', UNKNOWN_IP);
      now = new Date(now.getTime() + 31 * 60_000);
      await send(s, 'visitor-sessions', UNKNOWN_IP);
      // Engagement after a pause extends the visit; it does not start a session.
      now = new Date(now.getTime() + 40 * 60_000);
      await send(s, 'visitor-sessions', UNKNOWN_IP, { e: 'engage', s: 5 });
      const [visitor] = (await visitors(s)).visitorStatistics;
      expect(visitor).toMatchObject({ sessions: 2, pageViews: 3, engagedSeconds: 5 });
      expect(visitor?.firstSeenAt).toBe(start.toISOString());
      expect(visitor?.lastSeenAt).toBe(now.toISOString());
    } finally {
      now = start;
    }
  });

  it('charges a visitor again in the next period, once', async () => {
    const s = await site();
    const start = now;
    try {
      await send(s, 'visitor-periods', ACME_IP);
      now = new Date('2030-04-02T09:00:00.000Z');
      await send(s, 'visitor-periods', ACME_IP);
      await send(s, 'visitor-periods', ACME_IP);
      const identifications = await rowsOf('identifications', s.orgId);
      expect(identifications.map((row) => row.period_start.toISOString()).sort()).toEqual([
        '2030-03-01T00:00:00.000Z',
        '2030-04-01T00:00:00.000Z',
      ]);
      // April's allowance of 10, one spent.
      expect(await balance(s)).toMatchObject({ available: 9, used: 1 });
    } finally {
      now = start;
    }
  });

  it('records the visit unidentified when the organization has no credits left', async () => {
    const s = await site({ initialCredits: 1 });
    await send(s, 'visitor-first', ACME_IP);
    await send(s, 'visitor-second', GLOBEX_IP);
    const list = await visitors(s);
    expect(list.visitorsCount).toBe(2);
    const byCompany = list.visitorStatistics.map((v) => [v.companyName, v.identified]);
    expect(byCompany).toEqual(
      expect.arrayContaining([
        ['Acme Corp', true],
        [null, false],
      ]),
    );
    expect(await balance(s)).toMatchObject({ available: 0, used: 1 });
    expect(await rowsOf('identifications', s.orgId)).toHaveLength(1);

    const filtered = await visitors(s, '?identified=false');
    expect(filtered.visitorsCount).toBe(1);
    expect(filtered.visitorStatistics[0]?.identified).toBe(false);
    expect((await visitors(s, '?identified=true')).visitorsCount).toBe(1);
  });

  it('keeps identifying past zero as overage in usage_based mode', async () => {
    const s = await site({ initialCredits: 0 }, { billingMode: 'usage_based' });
    await send(s, 'visitor-over-1', ACME_IP);
    await send(s, 'visitor-over-2', GLOBEX_IP);
    expect(await balance(s)).toMatchObject({ available: 0, overage: 2 });
    expect((await visitors(s, '?identified=true')).visitorsCount).toBe(2);
    const usage = await server.request('GET', '/partner/billing/usage', { apiKey: s.apiKey });
    expect(usage.body).toMatchObject({ identifications: 2, overage: 2 });
  });

  it('gives B2C organizations the person the source knows, by address or by an identify hint', async () => {
    const s = await site({ productType: 'B2C' });
    await send(s, 'visitor-jane', INITECH_IP);
    await send(s, 'visitor-anon', UNKNOWN_IP);
    expect((await balance(s)).used).toBe(1);
    // An email no source knows is self-declared: stored, shown, never charged.
    await send(s, 'visitor-anon', UNKNOWN_IP, { e: 'identify', m: 'sam@shop.example' });
    expect((await balance(s)).used).toBe(1);
    // An email the dataset knows names its person: identified, one credit, the person's fields.
    await send(s, 'visitor-hint', UNKNOWN_IP, { e: 'identify', m: 'JANE@initech.example' });

    const list = await visitors(s);
    const jane = list.visitorStatistics.filter((v) => v.email === 'jane@initech.example');
    expect(jane).toHaveLength(2);
    for (const visitor of jane)
      expect(visitor).toMatchObject({
        identified: true,
        emailSource: 'identity',
        firstName: 'Jane',
        lastName: 'Doe',
        companyName: null,
      });
    // The two browsers are one person: one identity, charged once.
    expect(new Set(jane.map((v) => v.identityId)).size).toBe(1);
    expect((await balance(s)).used).toBe(1);
    const sam = list.visitorStatistics.find((v) => v.email === 'sam@shop.example');
    expect(sam).toMatchObject({ identified: false, emailSource: 'page', identityId: null });
  });

  it('charges nothing for 50 invented emails on a B2C site', async () => {
    const s = await site({ productType: 'B2C' });
    for (let i = 0; i < 50; i += 1)
      expect(
        (await send(s, `inventor-${i}`, UNKNOWN_IP, { e: 'identify', m: `nobody-${i}@made.up` }))
          .status,
      ).toBe(202);
    expect(await balance(s)).toMatchObject({ used: 0, available: 10 });
    const list = await visitors(s, '?limit=100');
    expect(list.visitorStatistics.every((v) => !v.identified && v.emailSource === 'page')).toBe(
      true,
    );
  });

  it('never stores an email handed over on a B2B site', async () => {
    const s = await site();
    await send(s, 'visitor-b2b', UNKNOWN_IP, { e: 'identify', m: 'someone@corp.example' });
    const [visitor] = (await visitors(s)).visitorStatistics;
    expect(visitor).toMatchObject({ email: null, identified: false });
    expect((await balance(s)).used).toBe(0);
  });

  it("counts pixel events and identifications in the partner's usage and analytics", async () => {
    const s = await site();
    await send(s, 'visitor-usage-1', ACME_IP);
    await send(s, 'visitor-usage-1', ACME_IP);
    await send(s, 'visitor-usage-2', UNKNOWN_IP);
    const usage = await server.request('GET', '/partner/usage', { apiKey: s.apiKey });
    expect(usage.body).toMatchObject({ totalQuantity: 1, totalEvents: 1, pixelEvents: 3 });
    const analytics = await server.request('GET', '/partner/analytics', { apiKey: s.apiKey });
    expect(analytics.body).toMatchObject({ totalIdentifications: 1, pixelEvents: 3 });
  });
});

describe('ICP profiles', () => {
  const icpPath = (s: Site) => `${ORGS}/${s.orgId}/icp`;

  it('matches identified visitors, filters by match, and recomputes when profiles change', async () => {
    const s = await site();
    await send(s, 'visitor-icp-acme', ACME_IP);
    await send(s, 'visitor-icp-globex', GLOBEX_IP);
    await send(s, 'visitor-icp-none', UNKNOWN_IP);

    const created = await server.request('POST', icpPath(s), {
      apiKey: s.apiKey,
      body: {
        name: 'Mid-market software',
        rules: { industries: ['software'], employeeCount: { min: 100, max: 1000 } },
      },
    });
    expect(created.status).toBe(201);
    const profile = created.body.profile;
    expect(profile).toMatchObject({ name: 'Mid-market software', organizationId: s.orgId });

    // Existing visitors were matched when the profile was added.
    const matched = await visitors(s, '?icpMatched=true');
    expect(matched.visitorStatistics.map((v) => [v.companyName, v.icpMatch])).toEqual([
      ['Acme Corp', { matched: true, profiles: ['Mid-market software'] }],
    ]);
    expect((await visitors(s, '?icpMatched=false')).visitorsCount).toBe(2);

    // A second profile by domain (subdomains match); a new visitor is matched on identification.
    await server.request('POST', icpPath(s), {
      apiKey: s.apiKey,
      body: { name: 'Globex group', rules: { domains: ['globex.example'], countries: ['de'] } },
    });
    expect((await visitors(s, '?icpMatched=true')).visitorsCount).toBe(2);

    // Changing a profile's rules recomputes; deleting one removes its matches.
    const updated = await server.request('PUT', `${icpPath(s)}/${profile.id}`, {
      apiKey: s.apiKey,
      body: {
        name: 'Large software',
        rules: { industries: ['Software'], employeeCount: { min: 1000 } },
      },
    });
    expect(updated.status).toBe(200);
    expect(
      (await visitors(s, '?icpMatched=true')).visitorStatistics.map((v) => v.companyName),
    ).toEqual(['Globex']);
    const globexProfile = (await server.request('GET', icpPath(s), { apiKey: s.apiKey })).body
      .profiles[1];
    expect(
      (await server.request('DELETE', `${icpPath(s)}/${globexProfile.id}`, { apiKey: s.apiKey }))
        .status,
    ).toBe(204);
    expect((await visitors(s, '?icpMatched=true')).visitorsCount).toBe(0);
    const list = await server.request('GET', icpPath(s), { apiKey: s.apiKey });
    expect(list.body.profiles.map((p: { name: string }) => p.name)).toEqual(['Large software']);
  });

  it('refuses invalid rules, a duplicate name, and another partner’s organization', async () => {
    const s = await site();
    const invalid = await server.request('POST', icpPath(s), {
      apiKey: s.apiKey,
      body: { name: 'Bad', rules: { employeeCount: { min: 10, max: 5 }, colour: 'red' } },
    });
    expect(invalid.status).toBe(400);
    await server.request('POST', icpPath(s), {
      apiKey: s.apiKey,
      body: { name: 'Enterprise', rules: {} },
    });
    const duplicate = await server.request('POST', icpPath(s), {
      apiKey: s.apiKey,
      body: { name: 'enterprise', rules: { countries: ['US'] } },
    });
    expect(duplicate.status).toBe(422);
    expect(duplicate.body.error.code).toBe('icp_name_taken');

    const other = await site();
    expect((await server.request('GET', icpPath(s), { apiKey: other.apiKey })).status).toBe(404);
    const profiles = (await server.request('GET', icpPath(s), { apiKey: s.apiKey })).body.profiles;
    expect(
      (
        await server.request('DELETE', `${icpPath(other)}/${profiles[0].id}`, {
          apiKey: other.apiKey,
        })
      ).status,
    ).toBe(404);
    expect(
      (await server.request('GET', icpPath(s), { apiKey: s.apiKey })).body.profiles,
    ).toHaveLength(1);
  });
});

/** A server with 3 events a minute per address and 5 per pixel key, and one site on it. */
async function limitedSite(name: string) {
  const limited = await startTestServer({
    identity: identity.resolver,
    trustProxy: ['127.0.0.1'],
    pixelRateLimitPerIp: 3,
    pixelRateLimitPerKey: 5,
  });
  const { apiKey } = await limited.createPartner();
  const org = await limited.request('POST', ORGS, { apiKey, body: { name } });
  const orgId = org.body.organization.id;
  await limited.request('PUT', `${ORGS}/${orgId}/pixel`, {
    apiKey,
    body: { allowedReferrers: [SITE] },
  });
  const pixelKey = (await limited.request('GET', `${ORGS}/${orgId}/pixel`, { apiKey })).body
    .apiKey as string;
  return { limited, pixelKey };
}

describe('POST /collect: rate limits', () => {
  it('limits events per client IP and per pixel key', async () => {
    const { limited, pixelKey } = await limitedSite('Busy');
    try {
      const event = (ip: string) =>
        limited.collect(
          { k: pixelKey, v: 'visitor-limited', e: 'pageview', u: `${SITE}/` },
          { origin: SITE, 'x-forwarded-for': ip },
        );
      const fromOne = [];
      for (let i = 0; i < 4; i += 1) fromOne.push((await event('10.0.0.1')).status);
      expect(fromOne).toEqual([202, 202, 202, 429]);
      // Other addresses, same key: the key's budget of 5 runs out.
      const fromMany = [];
      for (let i = 2; i < 6; i += 1) fromMany.push((await event(`10.0.0.${i}`)).status);
      expect(fromMany).toEqual([202, 202, 429, 429]);
    } finally {
      await limited.close();
    }
  });

  it("counts refused events and bots against their sender, never against the pixel key's budget", async () => {
    const { limited, pixelKey } = await limitedSite('Targeted');
    try {
      const event = (ip: string, origin: string, body?: string) =>
        limited.collect(
          body ?? { k: pixelKey, v: 'visitor-targeted', e: 'pageview', u: `${SITE}/` },
          {
            origin,
            'x-forwarded-for': ip,
          },
        );
      // Twelve refused events from four addresses: a foreign origin, and bodies that are no event.
      const refused = [];
      for (let i = 1; i <= 4; i += 1) {
        refused.push((await event(`10.1.0.${i}`, 'https://evil.example')).status);
        refused.push((await event(`10.1.0.${i}`, SITE, '{"k":')).status);
        refused.push((await event(`10.1.0.${i}`, 'https://evil.example')).status);
      }
      expect(refused).toEqual(Array.from({ length: 4 }, () => [422, 400, 422]).flat());
      // Each of those addresses has used up its own budget...
      expect((await event('10.1.0.1', SITE)).status).toBe(429);
      // ...and so have three crawlers, whose events are counted as bots and nothing more.
      for (let i = 1; i <= 3; i += 1)
        for (let j = 0; j < 3; j += 1)
          expect(
            (
              await limited.collect(
                { k: pixelKey, v: `visitor-crawler-${j}`, e: 'pageview', u: `${SITE}/` },
                { origin: SITE, 'x-forwarded-for': `10.3.0.${i}`, 'user-agent': 'Googlebot/2.1' },
              )
            ).status,
          ).toBe(202);
      // ...while the key's budget is whole: five real events from other addresses pass.
      const real = [];
      for (let i = 1; i <= 6; i += 1) real.push((await event(`10.2.0.${i}`, SITE)).status);
      expect(real).toEqual([202, 202, 202, 202, 202, 429]);
    } finally {
      await limited.close();
    }
  });
});
