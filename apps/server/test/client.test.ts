import {
  createAllotClient,
  TRPCClientError,
  type AllotClient,
  type AppRouter,
} from '@allot/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, startTestServer, type TestServer } from './harness.ts';

let server: TestServer;
let client: AllotClient;

beforeAll(async () => {
  server = await startTestServer();
  const { apiKey } = await server.createPartner({ poolCredits: 100 });
  client = createAllotClient({ url: server.url, apiKey });
});
afterAll(() => server.close());

async function rejection(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  return error as TRPCClientError<AppRouter>;
}

describe('@allot/client against a running server', () => {
  it('creates, reads and lists organizations with typed results', async () => {
    const { organization } = await client.organizations.create.mutate({
      name: 'Typed Co',
      initialCredits: 40,
    });
    expect(organization.credits).toBe(40);
    const fetched = await client.organizations.get.query({ organizationId: organization.id });
    expect(fetched.organization.name).toBe('Typed Co');
    const list = await client.organizations.list.query({ search: 'typed' });
    expect(list.organizations.map((o) => o.id)).toEqual([organization.id]);
    // Batched in one HTTP request: both answer.
    const [billing, pixel] = await Promise.all([
      client.billing.get.query(),
      client.pixel.get.query({ organizationId: organization.id }),
    ]);
    expect(billing.creditsAllocated).toBe(40);
    expect(pixel.scriptTag).toContain(pixel.apiKey);
  });

  it('carries the business code of a refused allocation', async () => {
    const { organization } = await client.organizations.create.mutate({
      name: 'Big',
      tier: 'paid',
    });
    const error = await rejection(
      client.organizations.setCredits.mutate({ organizationId: organization.id, credits: 1000 }),
    );
    expect(error.data?.httpStatus).toBe(422);
    expect(error.data?.appCode).toBe('insufficient_pool_credits');
  });

  it('carries the validation issues of bad input', async () => {
    const error = await rejection(
      client.organizations.create.mutate({ name: '', initialCredits: -1 }),
    );
    expect(error.data?.httpStatus).toBe(400);
    expect(error.data?.zodIssues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: ['name'] }),
        expect.objectContaining({ path: ['initialCredits'] }),
      ]),
    );
  });

  it('refuses a missing or wrong key with 401', async () => {
    const anonymous = createAllotClient({ url: server.url });
    expect((await rejection(anonymous.billing.get.query())).data?.httpStatus).toBe(401);
    const wrong = createAllotClient({ url: server.url, apiKey: 'allot_sk_wrong' });
    expect((await rejection(wrong.billing.get.query())).data?.httpStatus).toBe(401);
  });

  it('reaches the operator procedures with the operator token only', async () => {
    const operator = createAllotClient({ url: server.url, operatorToken: OPERATOR_TOKEN });
    const { partners } = await operator.operator.partners.list.query();
    expect(partners.length).toBeGreaterThan(0);
    expect((await rejection(client.operator.partners.list.query())).data?.httpStatus).toBe(401);
  });
});

describe('credits through @allot/client', () => {
  it('grants, consumes and pages the ledger with typed results; the CSV export is REST only', async () => {
    const { organization } = await client.organizations.create.mutate({
      name: 'Ledger Co',
      tier: 'paid',
      initialCredits: 10,
    });
    const { grant } = await client.credits.grants.create.mutate({
      organizationId: organization.id,
      amount: 5,
      priority: 1,
      reason: 'welcome',
    });
    expect(grant).toMatchObject({ amount: 5, remaining: 5, status: 'active' });
    const { balances } = await client.credits.balances.query({ organizationId: organization.id });
    expect(balances).toEqual([expect.objectContaining({ available: 15, allocated: 10 })]);
    const page = await client.credits.ledger.query({ organizationId: organization.id, limit: 1 });
    expect(page.entries).toHaveLength(1);
    expect(page.nextCursor).not.toBeNull();

    const refused = await rejection(
      client.credits.grants.create.mutate({
        organizationId: organization.id,
        amount: 1_000,
        reason: 'too much',
      }),
    );
    expect(refused.data?.appCode).toBe('insufficient_pool_credits');

    const exported = await rejection(
      client.credits.exportLedger.query({ organizationId: organization.id }),
    );
    // A stream over tRPC needs a streaming link; the batch link gets a clear 415, not a 500.
    expect(exported.data?.httpStatus).toBe(415);
    expect(exported.message).toContain('httpBatchStreamLink');
  });
});
