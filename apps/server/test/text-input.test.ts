import { TEXT_MESSAGE } from '@allot/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectInvalid } from './expect-errors.ts';
import { startTestServer, type ApiResponse, type TestServer } from './harness.ts';
import { ORGS } from './paths.ts';

// PostgreSQL refuses NUL in text and UTF-8 has no lone surrogates: both are refused at the
// contract, with a 400 naming the field, before anything reaches the database.

const SITE = 'https://www.client.example';
const NUL = 'a\u0000b';
const LONE_SURROGATE = 'a\ud800b';

let server: TestServer;
let apiKey: string;
let orgId: string;
let pixelKey: string;

beforeAll(async () => {
  server = await startTestServer();
  const partner = await server.createPartner({ poolCredits: 100 });
  apiKey = partner.apiKey;
  const created = await server.request('POST', ORGS, {
    apiKey,
    body: { name: 'Client', tier: 'paid', initialCredits: 10 },
  });
  orgId = created.body.organization.id;
  await server.request('PUT', `${ORGS}/${orgId}/pixel`, {
    apiKey,
    body: { allowedReferrers: [SITE] },
  });
  pixelKey = (await server.request('GET', `${ORGS}/${orgId}/pixel`, { apiKey })).body.apiKey;
});
afterAll(() => server.close());

/** A 400 whose issue at `field` carries the text rule's message. */
function expectTextRefused(response: ApiResponse, field: string) {
  expectInvalid(response, field);
  const issues = response.body.error.details as { path: unknown[]; message: string }[];
  const messages = JSON.stringify(issues.filter((issue) => issue.path.join('.') === field));
  expect(messages).toContain(TEXT_MESSAGE);
}

/** Everything a refused write could have touched, to prove it touched nothing. */
async function snapshot() {
  const count = async (table: 'organizations' | 'blocks' | 'entries' | 'webhook_endpoints') =>
    (
      await server.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst()
    )?.n;
  return {
    organizations: await count('organizations'),
    blocks: await count('blocks'),
    entries: await count('entries'),
    webhooks: await count('webhook_endpoints'),
    icp: (await server.request('GET', `${ORGS}/${orgId}/icp`, { apiKey })).body,
    organization: (await server.request('GET', `${ORGS}/${orgId}`, { apiKey })).body,
    partners: (await server.request('GET', '/operator/partners', { operator: true })).body,
    pixel: await server.db
      .selectFrom('pixel_daily')
      .selectAll()
      .execute()
      .then((rows) => JSON.stringify(rows)),
  };
}

const post = (path: string, body: unknown) => server.request('POST', path, { apiKey, body });

describe.each([
  ['NUL', NUL],
  ['a lone surrogate', LONE_SURROGATE],
])('%s in a string', (_name, bad) => {
  const cases: [string, string, () => Promise<ApiResponse>][] = [
    ['organization name', 'name', () => post(ORGS, { name: bad })],
    ['externalId', 'externalId', () => post(ORGS, { name: 'Ok', externalId: bad })],
    ['a metadata key', `metadata.${bad}`, () => post(ORGS, { name: 'Ok', metadata: { [bad]: 1 } })],
    ['a metadata value', 'metadata.k', () => post(ORGS, { name: 'Ok', metadata: { k: bad } })],
    [
      'an update of the name',
      'name',
      () => server.request('PUT', `${ORGS}/${orgId}`, { apiKey, body: { name: bad } }),
    ],
    [
      'grant reason',
      'reason',
      () => post(`${ORGS}/${orgId}/credits/grants`, { amount: 1, reason: bad }),
    ],
    [
      'consumption reference',
      'reference',
      () => post(`${ORGS}/${orgId}/credits/consumptions`, { amount: 1, reference: bad }),
    ],
    ['ICP name', 'name', () => post(`${ORGS}/${orgId}/icp`, { name: bad, rules: {} })],
    [
      'an ICP rule term',
      'rules.industries.0',
      () => post(`${ORGS}/${orgId}/icp`, { name: 'Ok', rules: { industries: [bad] } }),
    ],
    [
      'webhook URL',
      'url',
      () => post('/partner/webhooks', { url: `https://hooks.example/${bad}` }),
    ],
    [
      'webhook description',
      'description',
      () => post('/partner/webhooks', { url: 'https://hooks.example/x', description: bad }),
    ],
    [
      'partner name',
      'name',
      () =>
        server.request('POST', '/operator/partners', {
          operator: true,
          body: { name: bad, billingMode: 'credit_pool', billingPeriod: 'monthly' },
        }),
    ],
  ];

  for (const [name, field, send] of cases) {
    it(`${name} is a 400 naming ${field.includes(bad) ? 'the key' : field}, and changes nothing`, async () => {
      const before = await snapshot();
      expectTextRefused(await send(), field);
      expect(await snapshot()).toEqual(before);
    });
  }

  it('/collect with it in the pixel key k is a 400 naming k, and records nothing', async () => {
    const before = await snapshot();
    const response = await server.collect(
      { k: `${pixelKey}${bad}`, v: 'visitor-0001', e: 'pageview', u: `${SITE}/` },
      { origin: SITE },
    );
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
    const issue = (response.body.error.details as { path: string[]; message: string }[]).find(
      (detail) => detail.path.join('.') === 'k',
    );
    expect(issue?.message).toBe(TEXT_MESSAGE);
    expect(await snapshot()).toEqual(before);
  });

  it('/collect with it in the referrer r is a 400 naming r', async () => {
    const response = await server.collect(
      { k: pixelKey, v: 'visitor-0001', e: 'pageview', u: `${SITE}/`, r: bad },
      { origin: SITE },
    );
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body.error.details)).toContain(TEXT_MESSAGE);
  });
});

describe('query strings', () => {
  for (const field of ['search', 'externalId']) {
    it(`?${field}= with NUL is a 400 naming ${field}`, async () => {
      const response = await server.request('GET', `${ORGS}?${field}=a%00b`, { apiKey });
      expectTextRefused(response, field);
    });

    // A lone surrogate cannot be percent-encoded as UTF-8; a client can only send its CESU-8
    // bytes, which decode to U+FFFD: text, answered like any other.
    it(`?${field}= with the bytes of a lone surrogate is answered without a 5xx`, async () => {
      const response = await server.request('GET', `${ORGS}?${field}=a%ED%A0%80b`, { apiKey });
      expect(response.status).toBeLessThan(500);
    });
  }

  it('/script.js?key= with NUL answers an empty script', async () => {
    const response = await fetch(`${server.url}/script.js?key=${pixelKey}%00`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });
});

describe('path parameters', () => {
  for (const param of ['%00', 'a%00b', '%ED%A0%80', '%C0', '%ZZ', '%']) {
    it(`an organization id of ${param} is a 4xx in the one error shape`, async () => {
      const response = await fetch(`${server.url}/api/v1${ORGS}/${param}`, {
        headers: { 'x-partner-api-key': apiKey },
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(Object.keys(body)).toEqual(['error']);
      expect(body.error.code).toEqual(expect.any(String));
    });
  }
});
