import { defined } from '@allot/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { startServerProcess, type ServerProcess } from './processes.ts';
import { expectBooksBalance } from './books.ts';

let server: TestServer;
let processes: ServerProcess[] = [];
beforeAll(async () => {
  server = await startTestServer();
  processes = await Promise.all([
    startServerProcess(server.databaseUrl),
    startServerProcess(server.databaseUrl),
  ]);
}, 60_000);
afterAll(async () => {
  for (const { child } of processes) child.kill('SIGTERM');
  await server.close();
});

async function consumeVia(url: string, apiKey: string, organizationId: string, key: string) {
  const response = await fetch(
    `${url}/partner/organizations/${organizationId}/credits/consumptions`,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-partner-api-key': apiKey,
        'idempotency-key': key,
      },
      body: JSON.stringify({ amount: 1 }),
    },
  );
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** The ledger's invariants over the whole database. */
describe('consumeCredits under concurrency, from two server processes', () => {
  it('500 concurrent consumptions against 100 credits: exactly 100 succeed', async () => {
    const { apiKey } = await server.createPartner({ poolCredits: 1000 });
    const created = await server.request('POST', '/partner/organizations', {
      apiKey,
      body: { name: 'Hot', tier: 'paid', initialCredits: 100 },
    });
    const id = created.body.organization.id as string;

    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        consumeVia(defined(processes[i % 2], 'a server process').url, apiKey, id, `visit-${i}`),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(100);
    expect(statuses.filter((s) => s === 422)).toHaveLength(400);
    expect(
      results
        .filter((r) => r.status === 422)
        .every((r) => r.body.error.code === 'insufficient_credits'),
    ).toBe(true);

    const balances = await server.request('GET', `/partner/organizations/${id}/credits`, {
      apiKey,
    });
    expect(balances.body.balances[0]).toMatchObject({ available: 0, used: 100, allocated: 100 });
    const billing = await server.request('GET', '/partner/billing', { apiKey });
    expect(billing.body).toMatchObject({
      creditsAllocated: 100,
      creditsUnallocated: 900,
      creditsUsed: 100,
    });
    const charged = await server.db
      .selectFrom('consumptions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('organization_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(Number(charged.n)).toBe(100);
    await expectBooksBalance(server.db);
  }, 60_000);

  it('the same key sent to both processes at once is charged once', async () => {
    const { apiKey } = await server.createPartner({ billingMode: 'external' });
    const created = await server.request('POST', '/partner/organizations', {
      apiKey,
      body: { name: 'Retried', tier: 'paid', initialCredits: 1000 },
    });
    const id = created.body.organization.id as string;
    const keys = Array.from({ length: 100 }, (_, i) => `visitor-${i}`);
    const results = await Promise.all(
      keys.flatMap((key) => processes.map((p) => consumeVia(p.url, apiKey, id, key))),
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    // Of the two answers for each key, one charged and the other replayed that charge.
    expect(results.filter((r) => r.body.consumption.replayed === false)).toHaveLength(100);

    const balances = await server.request('GET', `/partner/organizations/${id}/credits`, {
      apiKey,
    });
    expect(balances.body.balances[0]).toMatchObject({ available: 900, used: 100 });
    const perKey = await server.db
      .selectFrom('consumptions')
      .select(['idempotency_key', (eb) => eb.fn.countAll<string>().as('n')])
      .where('organization_id', '=', id)
      .groupBy('idempotency_key')
      .execute();
    expect(perKey).toHaveLength(100);
    expect(perKey.every((row) => Number(row.n) === 1)).toBe(true);
    await expectBooksBalance(server.db);
  }, 60_000);
});
