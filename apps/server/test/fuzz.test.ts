import { isText } from '@allot/domain';
import { routes } from '@allot/rest';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';

let server: TestServer;
let apiKey: string;
let partnerId: string;
let organizationId: string;
let pixelKey: string;

beforeAll(async () => {
  server = await startTestServer();
  const partner = await server.createPartner({ poolCredits: 100 });
  apiKey = partner.apiKey;
  partnerId = partner.partner.id;
  const created = await server.request('POST', '/partner/organizations', {
    apiKey,
    body: { name: 'Target' },
  });
  organizationId = created.body.organization.id;
  pixelKey = (
    await server.request('GET', `/partner/organizations/${organizationId}/pixel`, { apiKey })
  ).body.apiKey;
});
afterAll(() => server.close());

const DEPTH = 2000;
/** JSON nested far deeper than any contract: it must be refused, never overflow a stack. */
const deepArray: unknown = JSON.parse(`${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`);
const deepObject: unknown = JSON.parse(`${'{"a":'.repeat(DEPTH)}null${'}'.repeat(DEPTH)}`);

/** Strings PostgreSQL refuses (NUL) or UTF-8 cannot encode (lone surrogates), and huge ones. */
const hostileString = fc.oneof(
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\u0000'.repeat(1000),
    '\ud800',
    'a\udc00b',
    '\udfff\ud800',
    'x'.repeat(100_000),
    `${'y'.repeat(100_000)}\u0000`,
  ),
  fc
    .tuple(
      fc.string({ maxLength: 20 }),
      fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff'),
      fc.string({ maxLength: 20 }),
    )
    .map((parts) => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** Values that break naive parsers: huge and fractional numbers, negatives, odd strings, nesting. */
const nasty = fc.oneof(
  hostileString,
  fc.constantFrom(deepArray, deepObject),
  fc.constantFrom(
    -1,
    0,
    1.5,
    1e308,
    -1e308,
    2 ** 53 + 1,
    Number.MAX_SAFE_INTEGER,
    '',
    ' ',
    '\u0000',
    'null',
    '__proto__',
    '💥'.repeat(100),
  ),
  fc.string({ maxLength: 300 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
);
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    nasty,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 20 }), hostileString), tie('value'), {
      maxKeys: 5,
    }),
  ),
})).value;

const knownKeys = [...new Set(routes.flatMap((route) => Object.keys(route.input?.shape ?? {})))];
/** Objects that use the real field names, so validation is exercised past the first key. */
const plausibleBody = fc.dictionary(fc.constantFrom(...knownKeys, 'unknownField'), jsonValue, {
  maxKeys: 6,
});

const rawBody = fc.oneof(
  plausibleBody.map((body) => JSON.stringify(body)),
  jsonValue.map((value) => JSON.stringify(value)),
  fc.constantFrom(
    '{',
    '{"name":',
    'not json',
    '[]',
    'null',
    '"text"',
    '{"__proto__":{"x":1}}',
    '{"constructor":{"prototype":{}}}',
  ),
  fc.string({ maxLength: 200 }),
);

const pathValue = fc.oneof(
  fc.constantFrom(
    'not-a-uuid',
    '00000000-0000-0000-0000-000000000000',
    '%00',
    'a%00b',
    '%ED%A0%80',
    '%C0%80',
    '%ZZ',
    '%',
    'x'.repeat(200),
    '..',
  ),
  fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent),
);

/**
 * Query values as sent on the wire. A lone surrogate has no UTF-8 form, so it travels as its
 * CESU-8 bytes; long values stay under Node's 16 KiB header limit (past it Node answers 431).
 */
const queryValue = fc.oneof(
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.constantFrom('-1', '0', '1e9', '99999999999999999999', '2024-02-30', 'abc'),
  fc.constantFrom(
    '%00',
    'a%00b',
    '%ED%A0%80',
    '%ED%B0%80x',
    '%C0%80',
    '%FF',
    '%ZZ',
    '%',
    'z'.repeat(8000),
  ),
);
const query = fc
  .array(fc.tuple(fc.constantFrom(...knownKeys, 'x'), queryValue), { maxLength: 4 })
  .map((pairs) => pairs.map(([key, value]) => `${key}=${value}`).join('&'));

describe('no malformed input produces a 500', () => {
  for (const route of routes) {
    it(`${route.method} ${route.path}`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.boolean(),
          pathValue,
          rawBody,
          query,
          fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
          async (useRealIds, fakeId, body, search, contentType) => {
            const path = route.path
              .replace(':organizationId', useRealIds ? organizationId : fakeId)
              .replace(':partnerId', useRealIds ? partnerId : fakeId)
              .replace(':keyId', fakeId)
              .replace(':invoiceId', fakeId);
            const withBody = route.method === 'POST' || route.method === 'PUT';
            const response = await server.request(route.method, `${path}?${search}`, {
              ...(route.auth === 'partner' ? { apiKey } : { operator: true }),
              ...(withBody ? { rawBody: body, headers: { 'content-type': contentType } } : {}),
            });
            expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
            if (response.status >= 400) {
              expect(response.body.error.code).toEqual(expect.any(String));
              expect(response.body.error.message).toEqual(expect.any(String));
            }
          },
        ),
        { numRuns: 40 },
      );
    });
  }
});

const ORG = '/partner/organizations/:organizationId';
/** A valid body for each route that stores text, so one hostile field gets past the others. */
const validBodies: Record<string, Record<string, unknown>> = {
  'POST /partner/organizations': {
    name: 'Valid',
    externalId: 'ext-1',
    ownerUserId: 'user-1',
    metadata: { plan: 'pro', seats: 3 },
  },
  [`PUT ${ORG}`]: { name: 'Valid', externalId: 'ext-2', metadata: { plan: 'pro' } },
  [`POST ${ORG}/credits/grants`]: { amount: 1, reason: 'Goodwill', costBasis: '0.05' },
  [`POST ${ORG}/credits/amendments`]: { amount: 1, reason: 'Correction' },
  [`POST ${ORG}/credits/consumptions`]: { amount: 1, reference: 'evt-1' },
  [`PUT ${ORG}/pixel`]: { allowedReferrers: ['https://site.example'] },
  [`POST ${ORG}/icp`]: { name: 'Target', rules: { industries: ['Software'], domains: ['a.io'] } },
  'POST /partner/webhooks': { url: 'https://hooks.example/in', description: 'CRM' },
  'POST /operator/partners': {
    name: 'Valid',
    billingMode: 'credit_pool',
    billingPeriod: 'monthly',
    admin: { email: 'admin@partner.example', password: 'a long enough password' },
  },
  'POST /operator/credit-types': { key: 'sms', name: 'SMS', unit: 'message' },
  'PUT /operator/partners/:partnerId/billing-profile': {
    legalName: 'Valid GmbH',
    billingEmail: 'billing@valid.example',
    address: {
      line1: 'Main 1',
      line2: 'Floor 2',
      city: 'Berlin',
      postalCode: '10115',
      country: 'DE',
    },
    taxId: 'DE123456789',
  },
};

/** Paths to every value inside `value`, objects and arrays included. */
function valuePaths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [at];
  const children = Object.entries(value).flatMap(([key, child]) =>
    valuePaths(child, [...at, Array.isArray(value) ? Number(key) : key]),
  );
  return at.length === 0 ? children : [at, ...children];
}

function replaced(body: Record<string, unknown>, path: (string | number)[], value: unknown) {
  const copy = structuredClone(body);
  let parent: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  parent[path.at(-1) as string | number] = value;
  return copy;
}

const hostileValue = fc.oneof(
  hostileString,
  fc.constantFrom(deepArray, deepObject),
  fc.dictionary(hostileString, fc.oneof(hostileString, jsonValue), { minKeys: 1, maxKeys: 3 }),
);

describe('one hostile value in an otherwise valid body', () => {
  for (const [route, body] of Object.entries(validBodies)) {
    const [method, template] = route.split(' ') as [string, string];
    it(route, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...valuePaths(body)),
          hostileValue,
          async (path, value) => {
            const response = await server.request(
              method,
              template.replace(':organizationId', organizationId).replace(':partnerId', partnerId),
              {
                ...(template.startsWith('/operator') ? { operator: true } : { apiKey }),
                body: replaced(body, path, value),
              },
            );
            expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
            // The contract refuses text PostgreSQL cannot store before anything else looks at it.
            if (typeof value === 'string' && !isText(value)) {
              expect(response.status, JSON.stringify(response.body)).toBe(400);
              expect(response.body.error.code).toBe('invalid_request');
            }
          },
        ),
        { numRuns: 30 },
      );
    });
  }
});

describe('/collect', () => {
  const valid = { k: '', v: 'visitor-0001', e: 'pageview', u: 'https://site.example/', r: '' };
  const field = fc.constantFrom('k', 'v', 'e', 'u', 'r', 's', 'm', 'extra');

  it('answers a hostile value in any field without a 5xx, a non-text string with a 400', async () => {
    await fc.assert(
      fc.asyncProperty(field, fc.oneof(hostileValue, nasty), async (key, value) => {
        const event = { ...valid, k: pixelKey, [key]: value };
        const response = await server.collect(event, { origin: 'https://site.example' });
        expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
        if (typeof value === 'string' && !isText(value)) {
          // A body past the ingest limit is refused for its size first.
          expect([400, 413]).toContain(response.status);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('answers any raw body without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(rawBody, async (body) => {
        const response = await server.collect(body);
        expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
      }),
      { numRuns: 100 },
    );
  });
});

describe('deeply nested JSON', () => {
  // Past about 10^5 levels a recursive walk (JSON.stringify included) overflows the stack, and
  // the 1 MiB body limit allows more: every layer must refuse such a body without walking it.
  const nested = (depth: number) => `{"name":${'['.repeat(depth)}${']'.repeat(depth)}}`;
  const nestedObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

  it.each([2000, 150_000])('is refused at depth %d by REST without a 5xx', async (depth) => {
    for (const rawBody of [nested(depth), nestedObject(depth)]) {
      const response = await server.request('POST', '/partner/organizations', { apiKey, rawBody });
      expect(response.status).toBe(400);
    }
  });

  it.each([2000, 150_000])('is refused at depth %d by tRPC without a 5xx', async (depth) => {
    for (const body of [nested(depth), nestedObject(depth)]) {
      const response = await fetch(`${server.url}/trpc/organizations.create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-partner-api-key': apiKey },
        body,
      });
      expect(response.status).toBe(400);
    }
  });

  it('is refused by /collect without a 5xx', async () => {
    const body = `{"k":${'['.repeat(2000)}${']'.repeat(2000)}}`;
    expect((await server.collect(body)).status).toBe(400);
    expect((await server.collect(nestedObject(600))).status).toBe(400);
  });
});
