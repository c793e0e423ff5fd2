// billing.daily (identifications and credits per day, and per organization) and
// billing.lowBalances (organizations close to running out), over tRPC with an API key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { trpc } from './sessions.ts';
import { datasetIdentity } from './datasets.ts';

const SITE = 'https://www.client.example';
let identity: Awaited<ReturnType<typeof datasetIdentity>>;
let server: TestServer;
let now = new Date('2030-03-10T12:00:00.000Z');

beforeAll(async () => {
  // Each address of the range is a company of its own: each new visitor is a new identity.
  identity = await datasetIdentity(
    Array.from({ length: 256 }, (_, i) => ({
      cidr: `203.0.113.${i}/32`,
      company: { name: `Acme ${i}` },
    })),
  );
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

async function organization(apiKey: string, name: string, credits: number) {
  const created = await server.request('POST', '/partner/organizations', {
    apiKey,
    body: { name, tier: 'paid', initialCredits: credits },
  });
  const id = created.body.organization.id as string;
  await server.request('PUT', `/partner/organizations/${id}/pixel`, {
    apiKey,
    body: { allowedReferrers: [SITE] },
  });
  const pixel = await server.request('GET', `/partner/organizations/${id}/pixel`, { apiKey });
  return { id, pixelKey: pixel.body.apiKey as string };
}

let visitors = 0;

/** A new visitor of a company not seen before: one identification, one credit. */
async function visit(pixelKey: string, visitor: string) {
  const answer = await server.collect(
    { k: pixelKey, v: visitor, e: 'pageview', u: `${SITE}/` },
    { origin: SITE, 'x-forwarded-for': `203.0.113.${visitors++ % 256}` },
  );
  expect(answer.status).toBe(202);
}

describe('billing.daily', () => {
  it('counts identifications and credits per UTC day, zeros included, and per organization', async () => {
    now = new Date('2030-03-10T12:00:00.000Z');
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const busy = await organization(apiKey, 'Busy', 100);
    const quiet = await organization(apiKey, 'Quiet', 100);
    await organization(apiKey, 'Idle', 100);

    await visit(busy.pixelKey, 'visitor-aaaa-1');
    await visit(busy.pixelKey, 'visitor-aaaa-2');
    now = new Date('2030-03-12T23:59:00.000Z');
    await visit(busy.pixelKey, 'visitor-aaaa-3');
    await visit(quiet.pixelKey, 'visitor-bbbb-1');
    // Consumed by hand as well: credits without an identification.
    await server.request('POST', `/partner/organizations/${quiet.id}/credits/consumptions`, {
      apiKey,
      headers: { 'idempotency-key': 'manual-1' },
      body: { amount: 5 },
    });

    const series = await trpc(server, 'query', 'billing.daily', {
      apiKey,
      input: { startDate: '2030-03-09', endDate: '2030-03-13' },
    });
    expect(series.status).toBe(200);
    expect(series.data.days).toEqual([
      { date: '2030-03-09', identifications: 0, creditsConsumed: 0 },
      { date: '2030-03-10', identifications: 2, creditsConsumed: 2 },
      { date: '2030-03-11', identifications: 0, creditsConsumed: 0 },
      { date: '2030-03-12', identifications: 2, creditsConsumed: 7 },
      { date: '2030-03-13', identifications: 0, creditsConsumed: 0 },
    ]);
    expect(series.data.organizations).toEqual([
      { organizationId: quiet.id, name: 'Quiet', identifications: 1, creditsConsumed: 6 },
      { organizationId: busy.id, name: 'Busy', identifications: 3, creditsConsumed: 3 },
    ]);

    const tooLong = await trpc(server, 'query', 'billing.daily', {
      apiKey,
      input: { startDate: '2028-01-01', endDate: '2030-01-01' },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.error.data.appCode).toBe('invalid_date_range');

    // Another partner sees none of it.
    const other = await server.createPartner();
    const theirs = await trpc(server, 'query', 'billing.daily', {
      apiKey: other.apiKey,
      input: { startDate: '2030-03-09', endDate: '2030-03-13' },
    });
    expect(theirs.data.organizations).toEqual([]);
    expect(
      theirs.data.days.every((d: { creditsConsumed: number }) => d.creditsConsumed === 0),
    ).toBe(true);
  });
});

describe('billing.lowBalances', () => {
  it('lists active organizations with at most a tenth of their allocation left, emptiest first', async () => {
    now = new Date('2030-03-10T12:00:00.000Z');
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const low = await organization(apiKey, 'Low', 10);
    const empty = await organization(apiKey, 'Empty', 2);
    const fine = await organization(apiKey, 'Fine', 100);
    const suspended = await organization(apiKey, 'Suspended', 1);
    for (let i = 0; i < 9; i += 1) await visit(low.pixelKey, `visitor-low-${i}-x`);
    for (let i = 0; i < 2; i += 1) await visit(empty.pixelKey, `visitor-empty-${i}`);
    await visit(fine.pixelKey, 'visitor-fine-1');
    await visit(suspended.pixelKey, 'visitor-susp-1');
    await server.request('PUT', `/partner/organizations/${suspended.id}/status`, {
      apiKey,
      body: { enabled: false },
    });

    const answer = await trpc(server, 'query', 'billing.lowBalances', { apiKey });
    expect(answer.data.organizations).toEqual([
      { organizationId: empty.id, name: 'Empty', allocated: 2, remaining: 0 },
      { organizationId: low.id, name: 'Low', allocated: 10, remaining: 1 },
    ]);
  });

  it('picks the ten emptiest of many organizations, ties by name as localeCompare orders them', async () => {
    now = new Date('2030-03-10T12:00:00.000Z');
    const { apiKey } = await server.createPartner({ poolCredits: 100_000 });
    // [name, allocated, consumed]: some low (a tenth left is still low), most not; equal shares
    // left are ordered by name, lower case among upper case as a reader expects.
    const plan: [string, number, number][] = [
      ['Zulu', 50, 50],
      ['alpha', 20, 20],
      ['Bravo', 40, 40],
      ['charlie', 30, 27],
      ['Delta', 10, 9],
      ['echo', 100, 90],
      ['Foxtrot', 30, 26],
      ['golf', 200, 199],
      ['Hotel', 1000, 995],
      ['india', 7, 7],
      ['Juliet', 60, 55],
      ['kilo', 60, 54],
      ['Lima', 80, 73],
      ['mike', 9, 0],
      ['November', 500, 10],
      ['oscar', 11, 10],
    ];
    for (let i = 0; i < 14; i += 1) plan.push([`Plenty ${i}`, 100 + i, i]);
    const rows = [];
    for (const [name, allocated, consumed] of plan) {
      const created = await server.request('POST', '/partner/organizations', {
        apiKey,
        body: { name, tier: 'paid', initialCredits: allocated },
      });
      const id = created.body.organization.id as string;
      if (consumed > 0) {
        const spent = await server.request(
          'POST',
          `/partner/organizations/${id}/credits/consumptions`,
          {
            apiKey,
            headers: { 'idempotency-key': `low-${id}` },
            body: { amount: consumed },
          },
        );
        expect(spent.status).toBe(201);
      }
      rows.push({ organizationId: id, name, allocated, remaining: allocated - consumed });
    }
    // The rule as written for people: at most a tenth left, emptiest first, then by name.
    const expected = rows
      .filter((row) => row.remaining * 10 <= row.allocated)
      .sort(
        (a, b) =>
          a.remaining / a.allocated - b.remaining / b.allocated || a.name.localeCompare(b.name),
      )
      .slice(0, 10);
    expect(expected.map((row) => row.name)).toEqual([
      'alpha',
      'Bravo',
      'india',
      'Zulu',
      'golf',
      'Hotel',
      'Juliet',
      'Lima',
      'oscar',
      // A tenth left, tied with Delta, echo and kilo: the limit cuts inside the tie, by name.
      'charlie',
    ]);
    const answer = await trpc(server, 'query', 'billing.lowBalances', { apiKey });
    expect(answer.data.organizations).toEqual(expected);
  });
});
