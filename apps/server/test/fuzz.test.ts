import { routes } from '@allot/rest';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';

let server: TestServer;
let apiKey: string;
let partnerId: string;
let organizationId: string;

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
});
afterAll(() => server.close());

/** Values that break naive parsers: huge and fractional numbers, negatives, odd strings, nesting. */
const nasty = fc.oneof(
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
    fc.dictionary(fc.string({ maxLength: 20 }), tie('value'), { maxKeys: 5 }),
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
    'x'.repeat(200),
    '..',
  ),
  fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent),
);

const query = fc
  .dictionary(
    fc.constantFrom(...knownKeys, 'x'),
    fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom('-1', '0', '1e9', '99999999999999999999', '2024-02-30', 'abc'),
    ),
    { maxKeys: 4 },
  )
  .map((params) => new URLSearchParams(params).toString());

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
              .replace(':keyId', fakeId);
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
