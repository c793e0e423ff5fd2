/**
 * `pnpm bench`: partner organization reads at 100,000 organizations, over real HTTP against a
 * real PostgreSQL. The baseline is the same search with the trigram index switched off (a
 * sequential scan), measured in the same run, so the ratio holds on a noisy machine.
 */
import { createDb, migrateToLatest, useEmbeddedPostgres, withDatabase } from '@allot/db';
import { sql } from 'kysely';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer } from '../src/app.ts';

const ORGANIZATIONS = Number(process.env.BENCH_ORGANIZATIONS ?? 100_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 60);
const OPERATOR_TOKEN = randomBytes(16).toString('hex');

const dir = await mkdtemp(join(tmpdir(), 'allot-bench-'));
await chmod(dir, 0o755);
const server = await useEmbeddedPostgres(dir);
const admin = createDb({ url: server.url, max: 1 });
await sql`CREATE DATABASE allot_bench`.execute(admin);
const db = createDb({ url: withDatabase(server.url, 'allot_bench'), max: 10 });
await migrateToLatest(db);

const app = await buildServer({ db, publicUrl: 'http://localhost', operatorToken: OPERATOR_TOKEN });
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/v1`;

const created = (await (
  await fetch(`${base}/operator/partners`, {
    method: 'POST',
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'Bench',
      billingMode: 'credit_pool',
      billingPeriod: 'monthly',
      poolCredits: 1_000_000,
    }),
  })
).json()) as { partner: { id: string }; apiKey: string };

const seedStart = performance.now();
await sql`
  INSERT INTO organizations (id, partner_id, name, external_id, status, tier, product_type, billing_period,
    billing_day_of_month, billing_anchor, credit_allowance, metadata, pixel_key, period_start, period_end,
    credits_allocated, credits_consumed)
  SELECT gen_random_uuid(), ${created.partner.id}, 'Client ' || i || ' ' || md5(i::text), 'ext-' || i,
    CASE WHEN i % 10 = 0 THEN 'suspended' ELSE 'active' END, 'paid', 'B2B', 'monthly', 1, now(), 0, '{}',
    'px_bench_' || i, now() - interval '1 day', now() + interval '20 days', 0, 0
  FROM generate_series(1, ${ORGANIZATIONS}) AS i`.execute(db);
await sql`ANALYZE organizations`.execute(db);
const seedMs = performance.now() - seedStart;

const headers = { 'x-partner-api-key': created.apiKey };
async function timeRequest(path: string): Promise<number> {
  const start = performance.now();
  const response = await fetch(`${base}${path}`, { headers });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return performance.now() - start;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};
const p95 = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.95)] as number;

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

await app.close();
await db.destroy();
await sql`DROP DATABASE allot_bench WITH (FORCE)`.execute(admin);
await admin.destroy();
await server.stop();
await rm(dir, { recursive: true, force: true });
