import { BOT_USER_AGENTS } from '@allot/browser-testing/user-agents';
import { DEFAULT_ANOMALY_THRESHOLD, type EventType } from '@allot/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, VISITOR_USER_AGENT, type TestServer } from './harness.ts';
import { ORGS } from './paths.ts';
import { datasetIdentity } from './datasets.ts';

// What a credit must not pay for: bots, a site's traffic past its caps, a burst of "companies"
// from one network. And what it pays for once: each employee a B2B source names.
const SITE = 'https://www.client.example';
/** 100 companies, each a network of its own. */
const spread = (i: number) => `198.19.${i}.1`;
/** 100 companies, all in one /24: what a drain from a rented block of addresses looks like. */
const oneNetwork = (i: number) => `198.18.0.${i + 1}`;
const JANE_IP = '192.0.2.10';
const JOHN_IP = '192.0.2.20';

const DATASET = [
  ...Array.from({ length: 100 }, (_, i) => ({
    cidr: `${spread(i)}/32`,
    company: { name: `Spread ${i}`, domain: `spread-${i}.example` },
  })),
  ...Array.from({ length: 100 }, (_, i) => ({
    cidr: `${oneNetwork(i)}/32`,
    company: { name: `Burst ${i}`, domain: `burst-${i}.example` },
  })),
  ...[
    [JANE_IP, 'jane', 'Jane'],
    [JOHN_IP, 'john', 'John'],
  ].map(([ip, handle, name]) => ({
    cidr: `${ip}/32`,
    company: { name: 'Initech', domain: 'initech.example' },
    person: { email: `${handle}@initech.example`, firstName: name, lastName: 'Doe' },
  })),
];

let identity: Awaited<ReturnType<typeof datasetIdentity>>;
let server: TestServer;
let now = new Date('2030-05-10T12:00:00.000Z');

beforeAll(async () => {
  identity = await datasetIdentity(DATASET);
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

async function site(billing: Record<string, unknown> = {}): Promise<Site> {
  const created = await server.createPartner({ poolCredits: 10_000 });
  const apiKey = created.apiKey;
  const response = await server.request('POST', ORGS, {
    apiKey,
    body: { name: 'Client', tier: 'paid', initialCredits: 1_000 },
  });
  expect(response.status).toBe(201);
  const orgId = response.body.organization.id as string;
  await server.ok('PUT', `${ORGS}/${orgId}/pixel`, apiKey, { allowedReferrers: [SITE] });
  if (Object.keys(billing).length > 0)
    await server.ok('PUT', `${ORGS}/${orgId}/billing`, apiKey, billing);
  const pixel = await server.ok('GET', `${ORGS}/${orgId}/pixel`, apiKey);
  return { apiKey, partnerId: created.partner.id, orgId, pixelKey: pixel.apiKey };
}

function send(s: Site, visitor: string, ip: string, headers: Record<string, string> = {}) {
  return server.collect(
    { k: s.pixelKey, v: `visitor-${visitor}`, e: 'pageview', u: `${SITE}/pricing` },
    { origin: SITE, 'x-forwarded-for': ip, ...headers },
  );
}

async function used(s: Site): Promise<number> {
  const credits = await server.ok('GET', `${ORGS}/${s.orgId}/credits`, s.apiKey);
  return credits.balances[0].used as number;
}

async function identifiedVisitors(s: Site) {
  const list = await server.ok('GET', `${ORGS}/${s.orgId}/visitors?limit=100`, s.apiKey);
  const all = list.visitorStatistics as { identified: boolean }[];
  return { identified: all.filter((v) => v.identified).length, total: all.length };
}

function eventsOf(s: Site, type: EventType) {
  return server.db
    .selectFrom('events')
    .select('data')
    .where('partner_id', '=', s.partnerId)
    .where('type', '=', type)
    .execute()
    .then((rows) => rows.map((row) => row.data));
}

describe('bots', () => {
  it('cost nothing: crawler and tool user agents, and pages that say they are automated', async () => {
    const s = await site();
    for (const [i, userAgent] of BOT_USER_AGENTS.entries())
      expect((await send(s, `bot-${i}`, spread(i), { 'user-agent': userAgent })).status).toBe(202);
    // navigator.webdriver, as the pixel reports it, from a browser's user agent.
    const flagged = await server.collect(
      { k: s.pixelKey, v: 'webdriver-page', e: 'pageview', u: `${SITE}/`, b: 1 },
      { origin: SITE, 'x-forwarded-for': spread(10) },
    );
    expect(flagged.status).toBe(202);

    expect(await used(s)).toBe(0);
    expect(await identifiedVisitors(s)).toEqual({ identified: 0, total: 0 });
    const bots = BOT_USER_AGENTS.length + 1;
    const usage = await server.ok('GET', '/partner/usage', s.apiKey);
    expect(usage).toMatchObject({ bots, pixelEvents: 0, totalEvents: 0, totalQuantity: 0 });
    const analytics = await server.ok('GET', '/partner/analytics', s.apiKey);
    expect(analytics).toMatchObject({ bots, pixelEvents: 0, totalIdentifications: 0 });

    // A visitor's browser from the same address is a visitor, and charged.
    expect((await send(s, 'a-person', spread(10))).status).toBe(202);
    expect(await used(s)).toBe(1);
  });

  it('are counted only when the rest of the event would be accepted', async () => {
    const s = await site();
    const foreign = await server.collect(
      { k: s.pixelKey, v: 'bot-elsewhere', e: 'pageview', u: 'https://evil.example/' },
      { origin: 'https://evil.example', 'user-agent': 'curl/8.5.0' },
    );
    expect(foreign.status).toBe(422);
    const usage = await server.ok('GET', '/partner/usage', s.apiKey);
    expect(usage).toMatchObject({ bots: 0, pixelEvents: 0 });
  });
});

describe('identification caps', () => {
  it('per period: 15 new companies past a cap of 10 cost 10 credits, and say so once', async () => {
    const s = await site({ identificationCap: { perPeriod: 10 } });
    const organization = await server.ok('GET', `${ORGS}/${s.orgId}`, s.apiKey);
    expect(organization.organization).toMatchObject({
      identificationCap: { perPeriod: 10, perDay: null },
      anomalyThreshold: DEFAULT_ANOMALY_THRESHOLD,
    });
    for (let i = 0; i < 15; i += 1)
      expect((await send(s, `capped-${i}`, spread(i))).status).toBe(202);

    expect(await used(s)).toBe(10);
    expect(await identifiedVisitors(s)).toEqual({ identified: 10, total: 15 });
    const [reached, ...more] = await eventsOf(s, 'credit_usage.cap_reached');
    expect(more).toEqual([]);
    expect(reached).toMatchObject({
      organizationId: s.orgId,
      scope: 'period',
      cap: 10,
      windowStart: '2030-05-01T00:00:00.000Z',
      windowEnd: '2030-06-01T00:00:00.000Z',
    });

    // Visitors of companies already charged are still identified, for nothing.
    expect((await send(s, 'capped-0-second-browser', spread(0))).status).toBe(202);
    expect(await identifiedVisitors(s)).toEqual({ identified: 11, total: 16 });
    expect(await used(s)).toBe(10);

    // Raising the cap lets the next new companies through.
    await server.ok('PUT', `${ORGS}/${s.orgId}/billing`, s.apiKey, {
      identificationCap: { perPeriod: 12 },
    });
    for (let i = 10; i < 15; i += 1) await send(s, `capped-${i}`, spread(i));
    expect(await used(s)).toBe(12);
  });

  it('per period holds to the credit with 40 new companies in flight at once', async () => {
    const s = await site({ identificationCap: { perPeriod: 10 } });
    const statuses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => send(s, `rush-${i}`, spread(i)).then((r) => r.status)),
    );
    expect(statuses.every((status) => status === 202)).toBe(true);
    expect(await used(s)).toBe(10);
    expect(await eventsOf(s, 'credit_usage.cap_reached')).toHaveLength(1);
  });

  it('per day: counts what was charged before the cap was set, and starts again the next day', async () => {
    const s = await site();
    for (let i = 0; i < 4; i += 1) await send(s, `early-${i}`, spread(i));
    expect(await used(s)).toBe(4);
    await server.ok('PUT', `${ORGS}/${s.orgId}/billing`, s.apiKey, {
      identificationCap: { perDay: 5 },
    });
    for (let i = 4; i < 8; i += 1) await send(s, `later-${i}`, spread(i));
    expect(await used(s)).toBe(5);

    const today = now;
    now = new Date(today.getTime() + 86_400_000);
    try {
      for (let i = 4; i < 8; i += 1) await send(s, `later-${i}`, spread(i));
      expect(await used(s)).toBe(8);
    } finally {
      now = today;
    }
    const reached = await eventsOf(s, 'credit_usage.cap_reached');
    expect(reached).toEqual([
      {
        organizationId: s.orgId,
        scope: 'day',
        cap: 5,
        windowStart: '2030-05-10T00:00:00.000Z',
        windowEnd: '2030-05-11T00:00:00.000Z',
      },
    ]);
  });

  it('refuses a cap that is not a positive whole number, changing nothing', async () => {
    const s = await site();
    for (const identificationCap of [{ perPeriod: 0 }, { perDay: 1.5 }, { perWeek: 3 }]) {
      const response = await server.request('PUT', `${ORGS}/${s.orgId}/billing`, {
        apiKey: s.apiKey,
        body: { identificationCap },
      });
      expect(response.status).toBe(400);
    }
    const organization = await server.ok('GET', `${ORGS}/${s.orgId}`, s.apiKey);
    expect(organization.organization.identificationCap).toEqual({ perPeriod: null, perDay: null });
  });
});

describe('the anomaly guard', () => {
  it('charges 50 of 60 new companies from one /24 within a minute, and raises one event', async () => {
    const s = await site();
    const start = now;
    try {
      for (let i = 0; i < 60; i += 1) {
        now = new Date(start.getTime() + i * 1_000);
        expect((await send(s, `burst-${i}`, oneNetwork(i))).status).toBe(202);
      }
      expect(await used(s)).toBe(DEFAULT_ANOMALY_THRESHOLD);
      expect(await eventsOf(s, 'pixel.anomaly')).toEqual([
        {
          organizationId: s.orgId,
          network: '198.18.0.0/24',
          threshold: DEFAULT_ANOMALY_THRESHOLD,
          identifications: DEFAULT_ANOMALY_THRESHOLD + 1,
          hourStart: '2030-05-10T12:00:00.000Z',
          hourEnd: '2030-05-10T13:00:00.000Z',
        },
      ]);
      // Other networks are not held back meanwhile.
      await send(s, 'elsewhere', spread(0));
      expect(await used(s)).toBe(DEFAULT_ANOMALY_THRESHOLD + 1);

      // The next hour, the network's companies are charged again.
      now = new Date(start.getTime() + 3_600_000);
      for (let i = 50; i < 60; i += 1) await send(s, `burst-${i}`, oneNetwork(i));
      expect(await used(s)).toBe(DEFAULT_ANOMALY_THRESHOLD + 11);
    } finally {
      now = start;
    }
  });

  it('follows the threshold the partner sets, and can be turned off', async () => {
    const low = await site({ anomalyThreshold: 5 });
    for (let i = 0; i < 8; i += 1) await send(low, `low-${i}`, oneNetwork(i));
    expect(await used(low)).toBe(5);

    const off = await site({ anomalyThreshold: null });
    for (let i = 0; i < 60; i += 1) await send(off, `off-${i}`, oneNetwork(i));
    expect(await used(off)).toBe(60);
    expect(await eventsOf(off, 'pixel.anomaly')).toEqual([]);
  });
});

describe('B2B employees the source names', () => {
  it('two employees of one company cost 2 credits; one employee in two browsers, 1', async () => {
    const s = await site();
    await send(s, 'jane-laptop', JANE_IP);
    await send(s, 'john-laptop', JOHN_IP);
    expect(await used(s)).toBe(2);
    await send(s, 'jane-phone', JANE_IP, {
      'user-agent': VISITOR_USER_AGENT.replace('X11', 'Android'),
    });
    expect(await used(s)).toBe(2);

    const list = await server.ok('GET', `${ORGS}/${s.orgId}/visitors`, s.apiKey);
    const jane = (list.visitorStatistics as Record<string, unknown>[]).filter(
      (v) => v.email === 'jane@initech.example',
    );
    expect(jane).toHaveLength(2);
    for (const visitor of jane)
      expect(visitor).toMatchObject({
        identified: true,
        companyName: 'Initech',
        firstName: 'Jane',
        lastName: 'Doe',
      });
    expect(new Set(jane.map((v) => v.identityId)).size).toBe(1);
  });
});
