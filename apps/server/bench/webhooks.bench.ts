import { defined } from '@allot/domain';
/**
 * Webhook fan-out and delivery, against one embedded PostgreSQL and a local receiver.
 *
 * - Fan-out: events written one per transaction by 8 clients with the fan-out trigger disabled
 *   (the floor), then with it and no endpoint (what every partner pays), 1 and 4 endpoints (the
 *   delivery rows and the NOTIFY, paid by partners with endpoints).
 * - Delivery: 2,000 events queued for 1 and for 4 endpoints, drained by the dispatcher (lease
 *   claims, signed POSTs, outcome writes) at 16 attempts at once, against the same number of
 *   signed POSTs sent from a loop at the same concurrency with no queue and no database.
 * - Latency: one event at a time through the real job worker (NOTIFY, graphile-worker, drain),
 *   from the commit of the event to its arrival at the receiver.
 *
 * The receiver is a separate process (answers 200 at once), so its work does not share this
 * process's event loop. Cases are interleaved over rounds; the tables show medians.
 */
import { webhooks } from '@allot/api';
import { createDb } from '@allot/db';
import { sql } from 'kysely';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bookkeepingUrl } from '../src/webhook-jobs.ts';
import { startWorker } from '../src/worker.ts';
import { median, p95, startBench } from './setup.ts';

const EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_WEBHOOK_ROUNDS ?? 3);
const CONCURRENCY = 16;
const WRITERS = 8;
const LATENCY_SAMPLES = Number(process.env.BENCH_WEBHOOK_LATENCY_SAMPLES ?? 100);

const bench = await startBench(0, { billingMode: 'external' });
const { db, partnerId } = bench;
// The dispatcher's connections, as the job worker opens them (synchronous_commit off).
const dispatcherDb = createDb({ url: bookkeepingUrl(bench.databaseUrl), max: 4 });

const receiver = spawn(
  process.execPath,
  [
    '-e',
    `require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => s.end('ok')); })
      .listen(0, '127.0.0.1', function () { console.log(this.address().port); });`,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const receiverPort = await new Promise<number>((resolve) =>
  receiver.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
);
const receiverUrl = `http://127.0.0.1:${receiverPort}/hooks`;

/** Endpoints written straight to the table (the API refuses http URLs in this configuration). */
async function addEndpoints(count: number, url = receiverUrl) {
  const ids = Array.from({ length: count }, () => randomUUID());
  if (count > 0)
    await db
      .insertInto('webhook_endpoints')
      .values(
        ids.map((id) => ({
          id,
          partner_id: partnerId,
          url,
          description: null,
          secret: webhooks.newWebhookSecret(),
          disabled_reason: null,
          updated_at: new Date(),
        })),
      )
      .execute();
  return ids;
}

const removeEndpoints = () =>
  db.deleteFrom('webhook_endpoints').where('partner_id', '=', partnerId).execute();

const eventRow = () => ({
  id: randomUUID(),
  partner_id: partnerId,
  organization_id: null,
  type: 'credits.granted',
  data: JSON.stringify({ organizationId: randomUUID(), grantId: randomUUID(), amount: 5 }),
});

/** EVENTS single-event transactions from WRITERS clients; events per second. */
async function writeEvents(): Promise<number> {
  let left = EVENTS;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (left-- > 0) await db.insertInto('events').values(eventRow()).execute();
    }),
  );
  return EVENTS / ((performance.now() - start) / 1000);
}

/** Deliveries per second: the dispatcher drains everything queued. */
async function drainAll(): Promise<number> {
  const { n } = await db
    .selectFrom('webhook_deliveries')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  const dispatcher = webhooks.createDispatcher(dispatcherDb, {
    allowHttpWebhooks: true,
    schedule: [0, 5_000],
    timeoutMs: 10_000,
    concurrency: CONCURRENCY,
    maxDrainMs: 10 * 60_000,
  });
  const start = performance.now();
  await dispatcher.drain();
  const seconds = (performance.now() - start) / 1000;
  const { failed } = await db
    .selectFrom('webhook_deliveries')
    .select((eb) => eb.fn.countAll<string>().as('failed'))
    .where('status', '<>', 'succeeded')
    .executeTakeFirstOrThrow();
  if (Number(failed) > 0) throw new Error(`${failed} deliveries did not succeed`);
  return Number(n) / seconds;
}

/** The baseline: the same number of signed POSTs, CONCURRENCY at a time, no queue. */
async function postLoop(count: number): Promise<number> {
  const secret = webhooks.newWebhookSecret();
  let left = count;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (left-- > 0) {
        const event = eventRow();
        const body = JSON.stringify({ id: event.id, type: event.type, data: event.data });
        const result = await webhooks.attemptDelivery(
          { url: receiverUrl, secret, eventId: event.id, body },
          { allowHttpWebhooks: true, timeoutMs: 10_000 },
        );
        if (result.statusCode !== 200) throw new Error(`baseline: ${result.error}`);
      }
    }),
  );
  return count / ((performance.now() - start) / 1000);
}

const fanOut: Record<string, number[]> = {};
const delivery: Record<string, number[]> = {};
const record = (table: Record<string, number[]>, name: string, value: number) =>
  (table[name] ??= []).push(value);

const FLOOR = 'no fan-out trigger (floor)';
for (let round = 0; round < ROUNDS; round += 1) {
  await sql`ALTER TABLE events DISABLE TRIGGER events_webhook_fan_out`.execute(db);
  record(fanOut, FLOOR, await writeEvents());
  await sql`ALTER TABLE events ENABLE TRIGGER events_webhook_fan_out`.execute(db);
  for (const endpoints of round % 2 === 0 ? [0, 1, 4] : [4, 1, 0]) {
    await addEndpoints(endpoints);
    const name =
      endpoints === 0
        ? 'trigger, no endpoint'
        : `trigger, ${endpoints} endpoint${endpoints > 1 ? 's' : ''}`;
    record(fanOut, name, await writeEvents());
    if (endpoints > 0) {
      record(delivery, `queue, ${EVENTS} events x ${endpoints}`, await drainAll());
      record(
        delivery,
        `POST loop, ${EVENTS * endpoints} requests (baseline)`,
        await postLoop(EVENTS * endpoints),
      );
    }
    await removeEndpoints();
  }
}

// Latency through the worker: an in-process receiver resolves each event's arrival.
const arrivals = new Map<string, () => void>();
const local = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.end('ok');
    arrivals.get(String(request.headers['webhook-id']))?.();
  });
});
await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
await addEndpoints(1, `http://127.0.0.1:${(local.address() as AddressInfo).port}/hooks`);
const worker = await startWorker({
  db,
  databaseUrl: bench.databaseUrl,
  crontab: '',
  webhooks: { allowHttpWebhooks: true },
});
await new Promise((resolve) => setTimeout(resolve, 1_000)); // the worker's LISTEN connects
const latencies: number[] = [];
for (let i = 0; i < LATENCY_SAMPLES; i += 1) {
  const event = eventRow();
  const arrived = new Promise<void>((resolve) => arrivals.set(event.id, resolve));
  const start = performance.now();
  await db.insertInto('events').values(event).execute();
  await arrived;
  latencies.push(performance.now() - start);
}
await worker.stop();

const percent = (value: number, baseline: number) => `${((value / baseline) * 100).toFixed(0)}%`;

console.log(
  `\nfan-out: ${EVENTS} events, one per transaction, ${WRITERS} writers; ${ROUNDS} rounds, medians\n`,
);
const floor = median(defined(fanOut[FLOOR], FLOOR));
console.table(
  Object.entries(fanOut).map(([name, rates]) => ({
    case: name,
    'events/s': Math.round(median(rates)),
    'vs floor': percent(median(rates), floor),
  })),
);

console.log(
  `\ndelivery: to a local receiver, ${CONCURRENCY} attempts at once; ${ROUNDS} rounds, medians\n`,
);
console.table(
  [1, 4].flatMap((endpoints) => {
    const loopName = `POST loop, ${EVENTS * endpoints} requests (baseline)`;
    const queueName = `queue, ${EVENTS} events x ${endpoints}`;
    const loop = median(defined(delivery[loopName], loopName));
    const queue = median(defined(delivery[queueName], queueName));
    return [
      {
        case: `POST loop, ${EVENTS * endpoints} requests (baseline)`,
        'deliveries/s': Math.round(loop),
        'vs baseline': '100%',
      },
      {
        case: `queue, ${EVENTS} events x ${endpoints} endpoint${endpoints > 1 ? 's' : ''}`,
        'deliveries/s': Math.round(queue),
        'vs baseline': percent(queue, loop),
      },
    ];
  }),
);
console.log(
  `\nlatency: event commit to arrival, through the job worker, ${LATENCY_SAMPLES} events one at a time\n`,
);
console.table([
  {
    case: 'new event, 1 endpoint',
    'median ms': median(latencies).toFixed(1),
    'p95 ms': p95(latencies).toFixed(1),
  },
]);

local.close();
receiver.kill();
await dispatcherDb.destroy();
await bench.close();
