/**
 * `pnpm bench`: a billing period starts for 10,000 organizations at once. The first request
 * after it renews all of them (pool refresh, allowance re-grants) in its transaction; the
 * baseline is the same request when nothing is due, measured in the same run.
 */
import { sql } from 'kysely';
import { median, startBench } from './setup.ts';

const ORGANIZATIONS = Number(process.env.BENCH_RENEWAL_ORGANIZATIONS ?? 10_000);
const ROUNDS = 7;
const ALLOWANCE = 10;

const bench = await startBench(ORGANIZATIONS * ALLOWANCE);
const { db, partnerId, timeRequest } = bench;

await sql`
  INSERT INTO organizations (id, partner_id, name, status, tier, product_type, billing_period,
    billing_day_of_month, billing_anchor, credit_allowance, metadata, pixel_key, period_start, period_end,
    credits_allocated, credits_consumed)
  SELECT gen_random_uuid(), ${partnerId}, 'Client ' || i, 'active', 'paid', 'B2B', 'monthly', 1, now(),
    ${ALLOWANCE}, '{}', 'px_renew_' || i, now(), now(), 0, 0
  FROM generate_series(1, ${ORGANIZATIONS}) AS i`.execute(db);
await sql`ANALYZE organizations`.execute(db);

/** Ends every period a second ago, as if the clock had just crossed a period boundary. */
async function endAllPeriods() {
  await sql`UPDATE organizations SET period_start = now() - interval '1 month', period_end = now() - interval '1 second',
    credits_allocated = 7, credits_consumed = 3 WHERE partner_id = ${partnerId}`.execute(db);
  await sql`UPDATE partners SET pool_period_end = now() - interval '1 second' WHERE id = ${partnerId}`.execute(
    db,
  );
}

const renewal: number[] = [];
const baseline: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  await endAllPeriods();
  renewal.push(await timeRequest('/partner/billing'));
  baseline.push(await timeRequest('/partner/billing'));

  // Every organization got exactly its allowance; the pool counts every credit drawn; nothing rolled over.
  const check = await sql<{ allocated: string; consumed: string; due: number; pool: number }>`
    SELECT sum(credits_allocated) AS allocated, sum(credits_consumed) AS consumed,
      count(*) FILTER (WHERE period_end <= now()) AS due,
      (SELECT pool_allocated FROM partners WHERE id = ${partnerId}) AS pool
    FROM organizations WHERE partner_id = ${partnerId}`.execute(db);
  const row = check.rows[0];
  // sum() of bigint is numeric (a string); count() and the column are bigint (numbers).
  const expected = ORGANIZATIONS * ALLOWANCE;
  const wrong =
    Number(row?.allocated) !== expected ||
    Number(row?.consumed) !== 0 ||
    row?.due !== 0 ||
    row.pool !== expected;
  if (wrong) {
    throw new Error(`renewal left a wrong state: ${JSON.stringify(row)}`);
  }
}

console.log(
  `\n${ORGANIZATIONS.toLocaleString('en')} organizations renewing at one period start; ${ROUNDS} rounds\n`,
);
console.table([
  { case: 'first request of the period (renews all)', 'median ms': median(renewal).toFixed(1) },
  { case: 'BASELINE same request, nothing due', 'median ms': median(baseline).toFixed(1) },
]);
console.log(
  `renewing ${ORGANIZATIONS.toLocaleString('en')} organizations adds ${(median(renewal) - median(baseline)).toFixed(0)} ms to one request\n`,
);

await bench.close();
