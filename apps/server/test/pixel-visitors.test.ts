import { defined } from '@allot/domain';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { expectInvalid } from './expect-errors.ts';
import { ORGS } from './paths.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function partnerWithOrg() {
  const partner = await server.createPartner();
  const created = await server.request('POST', ORGS, {
    apiKey: partner.apiKey,
    body: { name: 'Pixel Co' },
  });
  expect(created.status).toBe(201);
  return { ...partner, org: created.body.organization as { id: string } };
}

describe('GET /partner/organizations/{id}/pixel', () => {
  it('answers the pixel key, no referrers yet, and a script tag carrying the key', async () => {
    const { apiKey, org } = await partnerWithOrg();
    const response = await server.request('GET', `${ORGS}/${org.id}/pixel`, { apiKey });
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual([
      'allowedReferrers',
      'apiKey',
      'lastEventAt',
      'scriptTag',
    ]);
    const { apiKey: pixelKey, allowedReferrers, scriptTag } = response.body;
    expect(pixelKey).toMatch(/^\S{10,}$/);
    // The pixel key is public and distinct from the partner's secret key.
    expect(pixelKey).not.toBe(apiKey);
    expect(allowedReferrers).toEqual([]);
    expect(scriptTag).toContain(`https://allot.test/script.js?key=${pixelKey}`);
    expect(scriptTag).toContain(`data-key="${pixelKey}"`);
    expect(scriptTag).toMatch(/^<script\b[^>]*><\/script>$/);

    // Stable across reads; another organization has another key.
    expect((await server.request('GET', `${ORGS}/${org.id}/pixel`, { apiKey })).body).toEqual(
      response.body,
    );
    const other = await server.request('POST', ORGS, { apiKey, body: { name: 'Other' } });
    const otherPixel = await server.request('GET', `${ORGS}/${other.body.organization.id}/pixel`, {
      apiKey,
    });
    expect(otherPixel.body.apiKey).not.toBe(pixelKey);
  });

  it('answers 404 for an unknown organization and 401 without a key', async () => {
    const { apiKey, org } = await partnerWithOrg();
    const unknown = await server.request('GET', `${ORGS}/${randomUUID()}/pixel`, { apiKey });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({
      error: { code: 'not_found', message: expect.any(String), requestId: expect.any(String) },
    });
    const anonymous = await server.request('GET', `${ORGS}/${org.id}/pixel`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({
      error: { code: 'unauthorized', message: expect.any(String), requestId: expect.any(String) },
    });
    expectInvalid(await server.request('GET', `${ORGS}/nope/pixel`, { apiKey }), 'organizationId');
  });
});

describe('PUT /partner/organizations/{id}/pixel', () => {
  it('accepts exact origins, subdomain wildcards and localhost with a port, and GET reflects them', async () => {
    const { apiKey, org } = await partnerWithOrg();
    const allowedReferrers = ['https://acme.com', 'https://*.acme.com', 'http://localhost:8080'];
    const response = await server.request('PUT', `${ORGS}/${org.id}/pixel`, {
      apiKey,
      body: { allowedReferrers },
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ allowedReferrers });
    const read = await server.request('GET', `${ORGS}/${org.id}/pixel`, { apiKey });
    expect(read.body.allowedReferrers).toEqual(allowedReferrers);

    // The list is replaced, not merged; duplicates collapse.
    const replaced = await server.request('PUT', `${ORGS}/${org.id}/pixel`, {
      apiKey,
      body: { allowedReferrers: ['https://app.acme.com', 'https://app.acme.com'] },
    });
    expect(replaced.body).toEqual({ allowedReferrers: ['https://app.acme.com'] });

    const emptied = await server.request('PUT', `${ORGS}/${org.id}/pixel`, {
      apiKey,
      body: { allowedReferrers: [] },
    });
    expect(emptied.body).toEqual({ allowedReferrers: [] });
    expect(
      (await server.request('GET', `${ORGS}/${org.id}/pixel`, { apiKey })).body.allowedReferrers,
    ).toEqual([]);
  });

  it.each([
    ['a bare host', 'acme.com'],
    ['an origin with a path', 'https://acme.com/path'],
    ['a wildcard over a TLD', 'https://*.com'],
    ['a non-http scheme', 'ftp://acme.com'],
    ['a wildcard in the middle', 'https://app.*.acme.com'],
    ['a port out of range', 'https://acme.com:70000'],
    ['a query string', 'https://acme.com?x=1'],
    ['an empty string', ''],
  ])('rejects %s (%s) with 400 and changes nothing', async (_label, bad) => {
    const { apiKey, org } = await partnerWithOrg();
    const before = ['https://keep.example'];
    expect(
      (
        await server.request('PUT', `${ORGS}/${org.id}/pixel`, {
          apiKey,
          body: { allowedReferrers: before },
        })
      ).status,
    ).toBe(200);

    // One bad entry refuses the whole list, wherever it sits.
    const response = await server.request('PUT', `${ORGS}/${org.id}/pixel`, {
      apiKey,
      body: { allowedReferrers: ['https://fine.example', bad] },
    });
    expectInvalid(response, 'allowedReferrers.1');
    const read = await server.request('GET', `${ORGS}/${org.id}/pixel`, { apiKey });
    expect(read.body.allowedReferrers).toEqual(before);
  });

  it('rejects a body without a list, or with a non-string entry, with 400', async () => {
    const { apiKey, org } = await partnerWithOrg();
    expectInvalid(
      await server.request('PUT', `${ORGS}/${org.id}/pixel`, { apiKey, body: {} }),
      'allowedReferrers',
    );
    expectInvalid(
      await server.request('PUT', `${ORGS}/${org.id}/pixel`, {
        apiKey,
        body: { allowedReferrers: 'https://acme.com' },
      }),
      'allowedReferrers',
    );
    expectInvalid(
      await server.request('PUT', `${ORGS}/${org.id}/pixel`, {
        apiKey,
        body: { allowedReferrers: [42] },
      }),
      'allowedReferrers.0',
    );
    const tooMany = Array.from({ length: 101 }, (_, i) => `https://site${i}.example`);
    expectInvalid(
      await server.request('PUT', `${ORGS}/${org.id}/pixel`, {
        apiKey,
        body: { allowedReferrers: tooMany },
      }),
      'allowedReferrers',
    );
    expect(
      (await server.request('GET', `${ORGS}/${org.id}/pixel`, { apiKey })).body.allowedReferrers,
    ).toEqual([]);
  });

  it('answers 404 for an unknown organization', async () => {
    const { apiKey } = await partnerWithOrg();
    const response = await server.request('PUT', `${ORGS}/${randomUUID()}/pixel`, {
      apiKey,
      body: { allowedReferrers: ['https://acme.com'] },
    });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({
      error: { code: 'not_found', message: expect.any(String), requestId: expect.any(String) },
    });
  });
});

describe('GET /partner/organizations/{id}/visitors', () => {
  it('answers an empty first page for an organization without visitors', async () => {
    const { apiKey, org } = await partnerWithOrg();
    const response = await server.request('GET', `${ORGS}/${org.id}/visitors`, { apiKey });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      visitorsCount: 0,
      currentPage: 1,
      totalPageCount: 0,
      visitorStatistics: [],
    });
  });

  it.each([
    ['?limit=0', 'limit'],
    ['?limit=101', 'limit'],
    ['?limit=ten', 'limit'],
    ['?page=0', 'page'],
    ['?page=-1', 'page'],
  ])('rejects %s with 400', async (query, field) => {
    const { apiKey, org } = await partnerWithOrg();
    expectInvalid(
      await server.request('GET', `${ORGS}/${org.id}/visitors${query}`, { apiKey }),
      field,
    );
  });

  it('answers 404 for an unknown organization', async () => {
    const { apiKey } = await partnerWithOrg();
    const response = await server.request('GET', `${ORGS}/${randomUUID()}/visitors`, { apiKey });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({
      error: { code: 'not_found', message: expect.any(String), requestId: expect.any(String) },
    });
  });

  it("pages through the organization's visitors, most recently seen first", async () => {
    const { apiKey, partner, org } = await partnerWithOrg();
    const other = await server.request('POST', ORGS, { apiKey, body: { name: 'Neighbour' } });
    const base = Date.UTC(2030, 0, 1);
    // 25 visitors here, seen a minute apart; 3 in a neighbouring organization that must not show up.
    const visitors = Array.from({ length: 25 }, (_, i) => ({
      id: randomUUID(),
      partner_id: partner.id,
      organization_id: org.id,
      email: `visitor${i}@acme.com`,
      first_name: `First${i}`,
      last_name: i % 2 === 0 ? `Last${i}` : null,
      company_name: i % 3 === 0 ? 'Acme Inc' : null,
      first_seen_at: new Date(base),
      last_seen_at: new Date(base + i * 60_000),
      client_id: `client-${i}`,
    }));
    const neighbours = Array.from({ length: 3 }, (_, i) => ({
      id: randomUUID(),
      partner_id: partner.id,
      organization_id: other.body.organization.id,
      email: `neighbour${i}@else.com`,
      first_name: null,
      last_name: null,
      company_name: null,
      first_seen_at: new Date(base),
      last_seen_at: new Date(base + 3_600_000 + i),
      client_id: `neighbour-${i}`,
    }));
    await server.db
      .insertInto('visitors')
      .values([...visitors, ...neighbours])
      .execute();
    const newestFirst = [...visitors].reverse();

    const pages = [];
    for (const page of [1, 2, 3]) {
      const response = await server.request(
        'GET',
        `${ORGS}/${org.id}/visitors?page=${page}&limit=10`,
        { apiKey },
      );
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        visitorsCount: 25,
        currentPage: page,
        totalPageCount: 3,
      });
      pages.push(response.body.visitorStatistics);
    }
    expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
    expect(pages.flat().map((v: { visitorId: string }) => v.visitorId)).toEqual(
      newestFirst.map((v) => v.id),
    );

    const first = defined(newestFirst[0], 'the newest visitor');
    expect(pages[0][0]).toEqual({
      visitorId: first.id,
      email: first.email,
      emailSource: null,
      firstName: first.first_name,
      lastName: first.last_name,
      companyName: first.company_name,
      companyDomain: null,
      industry: null,
      employeeCount: null,
      country: null,
      identified: false,
      identityId: null,
      icpMatch: { matched: false, profiles: [] },
      pageViews: 0,
      sessions: 0,
      engagedSeconds: 0,
      firstSeenAt: first.first_seen_at.toISOString(),
      lastSeenAt: first.last_seen_at.toISOString(),
      topPages: [],
    });

    const beyond = await server.request('GET', `${ORGS}/${org.id}/visitors?page=4&limit=10`, {
      apiKey,
    });
    expect(beyond.body).toEqual({
      visitorsCount: 25,
      currentPage: 4,
      totalPageCount: 3,
      visitorStatistics: [],
    });

    const byDefault = await server.request('GET', `${ORGS}/${org.id}/visitors`, { apiKey });
    expect(byDefault.body).toMatchObject({ visitorsCount: 25, currentPage: 1, totalPageCount: 2 });
    expect(byDefault.body.visitorStatistics).toHaveLength(20);

    const wide = await server.request('GET', `${ORGS}/${org.id}/visitors?limit=100`, { apiKey });
    expect(wide.body).toMatchObject({ visitorsCount: 25, totalPageCount: 1 });
    expect(wide.body.visitorStatistics).toHaveLength(25);

    const neighbour = await server.request(
      'GET',
      `${ORGS}/${other.body.organization.id}/visitors`,
      { apiKey },
    );
    expect(neighbour.body).toMatchObject({ visitorsCount: 3, totalPageCount: 1 });
    expect(neighbour.body.visitorStatistics.map((v: { visitorId: string }) => v.visitorId)).toEqual(
      [...neighbours].reverse().map((v) => v.id),
    );
  });
});
