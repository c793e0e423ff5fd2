import { defined } from '@allot/domain';
/**
 * `pnpm bench`: what the outbox costs the consume path.
 *
 * Every consumption updates an organization account, which queues the `ledger_balance_crossed`
 * trigger: at commit it compares the balance with the alert thresholds and auto top-up rules
 * (and writes an event only on a crossing). Measured here: `consumeCredits` throughput and
 * latency with the trigger and thresholds configured, against the same calls with the trigger
 * disabled, in the same run, interleaved rounds; then the cost of a consumption that does cross
 * a threshold (it writes an outbox event), against one that does not.
 */
import { services } from '@allot/api';
import { sql } from 'kysely';
import { median, p95, rotated, startBench } from './setup.ts';

const CLIENTS = Number(process.env.BENCH_EVENTS_CLIENTS ?? 8);
const SECONDS = Number(process.env.BENCH_EVENTS_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_EVENTS_ROUNDS ?? 5);
const ORGANIZATIONS = 100;
const ALLOWANCE = 1_000_000_000;

const bench = await startBench(0, { billingMode: 'external' });
const { db, partnerId } = bench;
await sql`
  INSERT INTO organizations (id, partner_id, name, external_id, status, tier, product_type, billing_period,
    billing_day_of_month, billing_anchor, credit_allowance, metadata, pixel_key, period_start, period_end,
    charge_period_start)
  SELECT gen_random_uuid(), ${partnerId}, 'Client ' || i, 'org-' || i, 'active', 'paid', 'B2B', 'monthly', 1,
    now(), ${ALLOWANCE}, '{}', 'px_events_' || i, now() - interval '1 month', now(), now() - interval '1 month'
  FROM generate_series(1, ${ORGANIZATIONS}) AS i`.execute(db);
await services.refreshPeriods(db, partnerId, new Date());
const organizations = (
  await db.selectFrom('organizations').select('id').where('partner_id', '=', partnerId).execute()
).map((row) => row.id);
// Ten thresholds and an auto top-up rule on every organization: the most the trigger reads.
await sql`
  INSERT INTO balance_alerts (organization_id, credit_type, partner_id, thresholds, updated_at)
  SELECT id, 'identification', partner_id,
    (SELECT jsonb_agg(jsonb_build_object('credits', n * 1000)) FROM generate_series(1, 10) AS n), now()
  FROM organizations WHERE partner_id = ${partnerId}`.execute(db);
await sql`
  INSERT INTO auto_top_up_rules (organization_id, credit_type, partner_id, threshold, amount,
    max_per_period, created_at, updated_at)
  SELECT id, 'identification', partner_id, 10, 100, 5, now(), now()
  FROM organizations WHERE partner_id = ${partnerId}`.execute(db);
await sql`UPDATE accounts SET watched = true WHERE partner_id = ${partnerId} AND kind = 'organization'`.execute(
  db,
);
await sql`ANALYZE`.execute(db);

let keys = 0;
const pick = () =>
  defined(organizations[Math.floor(Math.random() * organizations.length)], 'an organization');
async function consume(organizationId: string, amount = 1) {
  const result = await services.consumeCredits(
    db,
    { organizationId, amount, idempotencyKey: `bench-${(keys += 1)}` },
    new Date(),
  );
  if (!result.granted) throw new Error('consumption refused');
}

async function loop(clients: number) {
  const latencies: number[] = [];
  const deadline = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const start = performance.now();
        await consume(pick());
        latencies.push(performance.now() - start);
      }
    }),
  );
  return { rate: latencies.length / SECONDS, latencies };
}

const setTrigger = (enabled: boolean) =>
  sql`ALTER TABLE accounts ${sql.raw(enabled ? 'ENABLE' : 'DISABLE')} TRIGGER ledger_balance_crossed`.execute(
    db,
  );
const setWatched = (watched: boolean) =>
  sql`UPDATE accounts SET watched = ${watched} WHERE partner_id = ${partnerId} AND kind = 'organization'`.execute(
    db,
  );

type Side = 'without' | 'unwatched' | 'with';
/** Each case: the trigger on or off, and whether the accounts are watched (have alerts). */
const sides: Record<Side, { label: string; set: () => Promise<unknown> }> = {
  without: {
    label: 'trigger disabled (baseline)',
    set: async () => (await setTrigger(false), setWatched(true)),
  },
  unwatched: {
    label: 'trigger, no alerts (watched = false)',
    set: async () => (await setTrigger(true), setWatched(false)),
  },
  with: {
    label: 'trigger, 10 thresholds + top-up rule',
    set: async () => (await setTrigger(true), setWatched(true)),
  },
};

const results = Object.fromEntries(
  (Object.keys(sides) as Side[]).map((side) => [
    side,
    { rates: [] as number[], latencies: [] as number[] },
  ]),
) as Record<Side, { rates: number[]; latencies: number[] }>;
await loop(CLIENTS); // warm-up
const order = Object.keys(sides) as Side[];
for (let round = 0; round < ROUNDS; round += 1) {
  for (const side of rotated(order, round)) {
    await sides[side].set();
    const { rate, latencies } = await loop(CLIENTS);
    results[side].rates.push(rate);
    results[side].latencies.push(...latencies);
  }
}
await sides.with.set();

// A consumption that crosses a threshold writes an event: one organization per sample, brought
// just above 1,000 credits, then 1 credit (crossing) vs 1 credit (not crossing), sequentially.
const crossing: number[] = [];
const plain: number[] = [];
for (const organizationId of organizations.slice(0, 50)) {
  const [balance] = await services.readBalances(db, organizationId, new Date());
  const available = defined(balance, 'the balance').available;
  await consume(organizationId, available - 1001);
  // 1,001 -> 1,000 crosses the lowest threshold; 1,000 -> 999 crosses nothing.
  let start = performance.now();
  await consume(organizationId);
  crossing.push(performance.now() - start);
  start = performance.now();
  await consume(organizationId);
  plain.push(performance.now() - start);
}
const events = await db
  .selectFrom('events')
  .select((eb) => eb.fn.countAll<string>().as('n'))
  .where('type', '=', 'credit_balance.dropped')
  .executeTakeFirstOrThrow();

const ms = (value: number) => value.toFixed(2);
console.log(
  `\nconsumeCredits, ${CLIENTS} clients over ${ORGANIZATIONS} organizations with 10 thresholds and an auto top-up rule each; ${ROUNDS} rounds of ${SECONDS} s, interleaved; medians\n`,
);
console.table(
  order.map((side) => ({
    case: sides[side].label,
    'calls/s': Math.round(median(results[side].rates)),
    'vs baseline': `${((median(results[side].rates) / median(results.without.rates)) * 100).toFixed(0)}%`,
    'median ms': ms(median(results[side].latencies)),
    'p95 ms': ms(p95(results[side].latencies)),
  })),
);
console.log(
  `\none consumption, sequential, 50 samples each (${events.n} dropped events written)\n`,
);
console.table([
  { case: 'no threshold crossed', 'median ms': ms(median(plain)), 'p95 ms': ms(p95(plain)) },
  {
    case: 'crosses one: writes an event',
    'median ms': ms(median(crossing)),
    'p95 ms': ms(p95(crossing)),
  },
]);
await bench.close();
