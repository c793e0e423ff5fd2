/**
 * `pnpm bench`: a billing period starts for 10,000 organizations at once. The first request
 * after it renews all of them in its transaction (pool refresh, the old period's credits
 * expired to their sinks, the allowance granted again from the pool, all on the ledger); the
 * baseline is the same request when nothing is due, measured in the same run. The server's
 * clock moves forward 31 days per round, so every period ends the way it does in production.
 */
import { services } from '@allot/api';
import { sql } from 'kysely';
import { median, startBench } from './setup.ts';

const ORGANIZATIONS = Number(process.env.BENCH_RENEWAL_ORGANIZATIONS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_RENEWAL_ROUNDS ?? 7);
const ALLOWANCE = 10;
/** Organizations that consume a credit each period, so the reset of the counters is checked. */
const CONSUMERS = 100;
const DAY = 86_400_000;

let offset = 0;
const clock = () => new Date(Date.now() + offset);

const bench = await startBench(ORGANIZATIONS * ALLOWANCE, { clock });
const { db, partnerId, timeRequest } = bench;

// Periods that end now: the first request opens every organization's accounts and grants the
// first allowance (not measured).
await sql`
  INSERT INTO organizations (id, partner_id, name, status, tier, product_type, billing_period,
    billing_day_of_month, billing_anchor, credit_allowance, metadata, pixel_key, period_start, period_end,
    charge_period_start)
  SELECT gen_random_uuid(), ${partnerId}, 'Client ' || i, 'active', 'paid', 'B2B', 'monthly', 1, now(),
    ${ALLOWANCE}, '{}', 'px_renew_' || i, now() - interval '1 month', now(), now() - interval '1 month'
  FROM generate_series(1, ${ORGANIZATIONS}) AS i`.execute(db);
await sql`ANALYZE organizations`.execute(db);
const firstOpen = await timeRequest('/partner/billing');
await sql`ANALYZE`.execute(db);

const consumers = (
  await db
    .selectFrom('organizations')
    .select('id')
    .where('partner_id', '=', partnerId)
    .orderBy('id')
    .limit(CONSUMERS)
    .execute()
).map((row) => row.id);

/** After a renewal: every organization holds exactly its allowance, drawn from the pool. */
async function check() {
  const { rows } = await sql<{
    credited: string;
    consumed: string;
    held: string;
    pool: number;
    net: string;
    due: number;
  }>`
    SELECT
      (SELECT sum(period_credited) FROM accounts WHERE partner_id = ${partnerId} AND kind = 'organization') AS credited,
      (SELECT sum(period_consumed) FROM accounts WHERE partner_id = ${partnerId} AND kind = 'organization') AS consumed,
      (SELECT sum(balance) FROM accounts WHERE partner_id = ${partnerId} AND kind = 'organization') AS held,
      (SELECT balance FROM accounts WHERE partner_id = ${partnerId} AND kind = 'pool') AS pool,
      (SELECT sum(balance) FROM accounts WHERE partner_id = ${partnerId}) AS net,
      (SELECT count(*) FROM organizations WHERE partner_id = ${partnerId} AND period_end <= ${clock()}) AS due`.execute(
    db,
  );
  const row = rows[0];
  // sum() of bigint is numeric (a string); count() and the column are bigint (numbers).
  const expected = ORGANIZATIONS * ALLOWANCE;
  const wrong =
    Number(row?.credited) !== expected ||
    Number(row?.consumed) !== 0 ||
    Number(row?.held) !== expected ||
    row?.pool !== 0 ||
    Number(row.net) !== 0 ||
    row.due !== 0;
  if (wrong) throw new Error(`renewal left a wrong state: ${JSON.stringify(row)}`);
}
await check();

const renewal: number[] = [];
const baseline: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  // Some consumption during the period; then the clock crosses exactly one period boundary.
  for (const organizationId of consumers) {
    const result = await services.consumeCredits(db, { organizationId, amount: 1 }, clock());
    if (!result.granted) throw new Error(`consumption refused: ${result.reason}`);
  }
  offset += 31 * DAY;
  renewal.push(await timeRequest('/partner/billing'));
  baseline.push(await timeRequest('/partner/billing'));
  await check();
}

console.log(
  `\n${ORGANIZATIONS.toLocaleString('en')} organizations renewing at one period start; ${ROUNDS} rounds\n`,
);
console.table([
  {
    case: 'first request of the period (renews all)',
    'median ms': median(renewal).toFixed(1),
    'min ms': Math.min(...renewal).toFixed(1),
    'max ms': Math.max(...renewal).toFixed(1),
  },
  {
    case: 'BASELINE same request, nothing due',
    'median ms': median(baseline).toFixed(1),
    'min ms': Math.min(...baseline).toFixed(1),
    'max ms': Math.max(...baseline).toFixed(1),
  },
]);
console.log(
  `renewing ${ORGANIZATIONS.toLocaleString('en')} organizations adds ${(median(renewal) - median(baseline)).toFixed(0)} ms to one request (${(median(renewal) / median(baseline)).toFixed(0)}x the baseline); the very first one, which also opened their ${(ORGANIZATIONS * 4).toLocaleString('en')} accounts, took ${firstOpen.toFixed(0)} ms\n`,
);

await bench.close();
