import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { startServerProcess, type ServerProcess } from './processes.ts';
import { startReceiver, waitFor } from './webhook-receiver.ts';

// At-least-once across a crash: a server process with its job worker is killed (SIGKILL, no
// shutdown) while deliveries are pending and attempts are under way; a new process delivers
// every event. The test server only provides the database and the API to set up.
let server: TestServer;
const processes: ServerProcess[] = [];
beforeAll(async () => {
  server = await startTestServer({ allowHttpWebhooks: true });
}, 60_000);
afterAll(async () => {
  for (const { child } of processes) if (child.exitCode === null) child.kill('SIGKILL');
  await server.close();
});

const env = {
  ALLOT_WORKER: 'on',
  ALLOT_ALLOW_HTTP_WEBHOOKS: '1',
  // Many quick retries, so nothing fails for good while the receiver is away.
  ALLOT_WEBHOOK_RETRY_SCHEDULE: [0, ...Array.from({ length: 40 }, () => 250)].join(','),
  // Claims last six times this: a delivery the killed process held is free again within 3 s.
  ALLOT_WEBHOOK_TIMEOUT_MS: '500',
};

describe('a killed server process', () => {
  it('loses no event: a new process delivers them all, duplicates carrying the same webhook-id', async () => {
    const receiver = await startReceiver();
    await receiver.down();
    const { apiKey, partner } = await server.createPartner();
    const created = await server.request('POST', '/partner/webhooks', {
      apiKey,
      body: { url: receiver.url },
    });
    expect(created.status).toBe(201);
    const secret = created.body.secret as string;

    const first = await startServerProcess(server.databaseUrl, env);
    processes.push(first);
    const ids = Array.from({ length: 20 }, () => randomUUID());
    for (const id of ids)
      await server.db
        .insertInto('events')
        .values({
          id,
          partner_id: partner.id,
          organization_id: null,
          type: 'credits.granted',
          data: JSON.stringify({ organizationId: randomUUID() }),
        })
        .execute();
    // The first process is at work: every delivery has failed at least once against the closed port.
    await waitFor(async () => {
      const rows = await server.db
        .selectFrom('webhook_deliveries')
        .select('attempts')
        .where('event_id', 'in', ids)
        .execute();
      return rows.length === ids.length && rows.every((row) => row.attempts >= 1);
    }, 20_000);

    // The receiver comes back but hangs past the timeout, so the process is killed mid-attempt:
    // deliveries are claimed (leased) and their requests have reached the receiver.
    receiver.setReply(() => ({ status: 200, delayMs: 5_000 }));
    await receiver.up();
    await waitFor(() => receiver.received.length >= 5, 20_000);
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    receiver.setReply(() => ({ status: 200 }));
    const pending = await server.db
      .selectFrom('webhook_deliveries')
      .select(['id', 'lease_until'])
      .where('event_id', 'in', ids)
      .where('status', '=', 'pending')
      .execute();
    expect(pending).toHaveLength(ids.length);
    expect(pending.filter((row) => row.lease_until !== null).length).toBeGreaterThan(0);

    processes.push(await startServerProcess(server.databaseUrl, env));
    // Once the killed process's leases lapse, everything goes out again: at least once each,
    // the events it had sent before dying twice, with the same webhook-id.
    await waitFor(async () => {
      const rows = await server.db
        .selectFrom('webhook_deliveries')
        .select('status')
        .where('event_id', 'in', ids)
        .execute();
      return rows.every((row) => row.status === 'succeeded');
    }, 20_000);
    for (const id of ids) expect(receiver.of(id).length).toBeGreaterThanOrEqual(1);
    expect(receiver.received.length).toBeGreaterThan(ids.length);
    for (const request of receiver.received) {
      expect(verify(secret, request)).toMatchObject({ id: request.id, type: 'credits.granted' });
    }
  }, 90_000);
});

const verify = (secret: string, request: { body: string; headers: Record<string, unknown> }) =>
  new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
