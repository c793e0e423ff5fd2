/**
 * `pnpm bench`: partner organization reads at 100,000 organizations, over real HTTP against a
 * real PostgreSQL. The baseline is the same search with the trigram index switched off (a
 * sequential scan), measured in the same run, so the ratio holds on a noisy machine.
 */
import { sql } from 'kysely';
import { median, p95, startBench } from './setup.ts';

const ORGANIZATIONS = Number(process.env.BENCH_ORGANIZATIONS ?? 100_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 60);

const bench = await startBench(1_000_000);
const { db, timeRequest } = bench;

const seedStart = performance.now();
await sql`
  INSERT INTO organizations (id, partner_id, name, external_id, status, tier, product_type, billing_period,
    billing_day_of_month, billing_anchor, credit_allowance, metadata, pixel_key, period_start, period_end,
    charge_period_start)
  SELECT gen_random_uuid(), ${bench.partnerId}, 'Client ' || i || ' ' || md5(i::text), 'ext-' || i,
    CASE WHEN i % 10 = 0 THEN 'suspended' ELSE 'active' END, 'paid', 'B2B', 'monthly', 1, now(), 0, '{}',
    'px_bench_' || i, now() - interval '1 day', now() + interval '20 days', now() - interval '1 day'
  FROM generate_series(1, ${ORGANIZATIONS}) AS i`.execute(db);
await sql`ANALYZE organizations`.execute(db);
const seedMs = performance.now() - seedStart;

async function measure(paths: () => string) {
  for (let i = 0; i < 5; i++) await timeRequest(paths()); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) samples.push(await timeRequest(paths()));
  return { median: median(samples), p95: p95(samples) };
}

const someId = (
  await db
    .selectFrom('organizations')
    .select('id')
    .limit(1)
    .offset(ORGANIZATIONS / 2)
    .executeTakeFirstOrThrow()
).id;
/** A fragment of a random organization's name (`"4821 "`): a few matches among 100,000. */
function term() {
  const i = 1 + Math.floor(Math.random() * ORGANIZATIONS);
  return `/partner/organizations?search=${encodeURIComponent(`${i} `)}`;
}

const rows: { case: string; median: number; p95: number }[] = [];
const record = async (name: string, paths: () => string) =>
  rows.push({ case: name, ...(await measure(paths)) });

await record('search by name (trigram index)', term);
await record('search, no match', () => '/partner/organizations?search=zzzzzz');
await record('list, first page of 20', () => '/partner/organizations');
await record('list, status=suspended', () => '/partner/organizations?status=suspended');
await record(
  'filter by externalId',
  () => `/partner/organizations?externalId=ext-${1 + Math.floor(Math.random() * ORGANIZATIONS)}`,
);
await record('get one organization', () => `/partner/organizations/${someId}`);
await record('billing', () => '/partner/billing');

// Baseline: the same search with the index unusable, on the same data, in the same run.
await sql`DROP INDEX organizations_name_trgm_idx`.execute(db);
await record('BASELINE search without the trigram index', term);

console.log(
  `\n${ORGANIZATIONS.toLocaleString('en')} organizations seeded in ${(seedMs / 1000).toFixed(1)} s; ${SAMPLES} sequential HTTP requests per case\n`,
);
console.table(
  rows.map((r) => ({ case: r.case, 'median ms': r.median.toFixed(2), 'p95 ms': r.p95.toFixed(2) })),
);
const indexed = rows[0] as { median: number };
const baseline = rows.at(-1) as { median: number };
console.log(
  `search with the index is ${(baseline.median / indexed.median).toFixed(1)}x faster than without (median vs median)\n`,
);

await bench.close();
