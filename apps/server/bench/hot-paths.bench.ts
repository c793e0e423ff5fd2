/**
 * `pnpm bench`: the pixel's and the partner API's hot paths over HTTP, measured from outside by
 * wrk, beside floors measured in the same run.
 *
 * Two processes besides wrk and this one, so nothing measured shares an event loop with the
 * load generator or with anything else measured:
 * - hot-paths-server.ts: the real server on a fresh embedded PostgreSQL, resolving visitors with
 *   an identity dataset written here (one company per address, identity-dataset.ts);
 * - floors.ts: small Fastify apps doing only the writes (or nothing), on the same PostgreSQL.
 *
 * Every case runs ROUNDS times for SECONDS at CONNECTIONS connections; the rounds are
 * interleaved (each round in another order), so a noisy neighbour hurts every case alike. The
 * table gives each case's median with min–max, its ratio to its floor's median, and the goal.
 * A case whose runs had any non-2xx answer or socket error, or (for new visitors) a request that
 * charged no credit, is marked in the table and never judged.
 */
import { VISITOR_USER_AGENT } from '@allot/browser-testing/user-agents';
import { createDb, type Db } from '@allot/db';
import { defined } from '@allot/domain';
import { sql } from 'kysely';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startChild } from './child-process.ts';
import { goalsTable, type Measured, type Row } from './hot-paths-report.ts';
import { eventHeaders, identifyRepeatVisitors, makeOrganizations, PAGE } from './hot-paths-data.ts';
import { NETWORKS, writeIdentityDataset } from './identity-dataset.ts';
import { rotated } from './setup.ts';
import { ensureWrk, runWrk, type LoadResult } from './wrk.ts';

const CONNECTIONS = Number(process.env.BENCH_HOT_CONNECTIONS ?? 32);
const THREADS = Number(process.env.BENCH_HOT_THREADS ?? 1);
const SECONDS = Number(process.env.BENCH_HOT_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_HOT_ROUNDS ?? 5);
const WARMUP_SECONDS = Number(process.env.BENCH_HOT_WARMUP_SECONDS ?? 1);
const ORGANIZATIONS = Number(process.env.BENCH_HOT_ORGANIZATIONS ?? 100);
/** Visitors of the repeat case, identified before measuring. */
const REPEAT_VISITORS = Number(process.env.BENCH_HOT_REPEAT_VISITORS ?? 1_000);
/**
 * Addresses (so identities) in the dataset: every /24 of 10.0.0.0/8 this many times, 262,144 by
 * default, enough for new visitors at several thousand a second over every round.
 */
const HOSTS_PER_NETWORK = Number(process.env.BENCH_HOT_HOSTS_PER_NETWORK ?? 4);

const started = performance.now();
ensureWrk();
const dir = await mkdtemp(join(tmpdir(), 'allot-hot-paths-'));
const dataset = join(dir, 'identities.jsonl');
const ADDRESSES = NETWORKS * HOSTS_PER_NETWORK;
await writeIdentityDataset(dataset, ADDRESSES);

interface ServerInfo {
  origin: string;
  apiKey: string;
  databaseUrl: string;
}
interface FloorInfo {
  origin: string;
  keys: string[];
  organizationIds: string[];
  databaseUrl: string;
}
const server = await startChild<ServerInfo>('./hot-paths-server.ts', [dataset]);
const floors = await startChild<FloorInfo>('./floors.ts', [
  server.info.databaseUrl,
  String(ORGANIZATIONS),
]);
const serverDb = createDb({ url: server.info.databaseUrl, max: 1 });
const floorDb = createDb({ url: floors.info.databaseUrl, max: 1 });

const { hot, spread } = await makeOrganizations(
  server.info.origin,
  server.info.apiKey,
  ORGANIZATIONS,
);

const identifications = async () =>
  Number(
    defined(
      (await sql<{ n: string }>`SELECT count(*) AS n FROM identifications`.execute(serverDb))
        .rows[0],
      'the count',
    ).n,
  );

await identifyRepeatVisitors(server.info.origin, hot.key, REPEAT_VISITORS);
if ((await identifications()) !== REPEAT_VISITORS)
  throw new Error('the repeat visitors were not all identified');

// ---------------------------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------------------------

interface Case extends Row {
  origin: string;
  paths: string[];
  /** Pixel keys of the events, taken in turn; none: a GET. */
  keys: string[];
  visitors: 'new' | 'repeat' | 'none';
  headers: Record<string, string>;
  /** Every request must identify a new visitor and charge one credit (counted in the database). */
  charges?: true;
}

const floor = (path: string, keys: string[]) => ({
  origin: floors.info.origin,
  paths: [path],
  keys,
  headers: eventHeaders('application/json'),
});
const floorKeys = floors.info.keys;
const collect = {
  origin: server.info.origin,
  paths: ['/collect'],
  headers: eventHeaders('text/plain;charset=UTF-8'),
};
const partnerGet = (suffix: string) => ({
  origin: server.info.origin,
  paths: spread.map((o) => `/api/v1/partner/organizations/${o.id}${suffix}`),
  keys: [],
  visitors: 'none' as const,
  headers: { 'x-partner-api-key': server.info.apiKey },
});

const allCases: Case[] = [
  {
    label: 'bare Fastify JSON POST (floor)',
    name: 'bare Fastify',
    before: 16_791,
    ...floor('/bare', floorKeys.slice(0, 1)),
    visitors: 'repeat',
  },
  {
    label: 'Fastify + pg, visitor upsert only (floor)',
    name: 'upsert floor',
    before: 3_335,
    ...floor('/upsert', floorKeys.slice(0, 1)),
    visitors: 'repeat',
  },
  {
    label:
      'Fastify + pg, one transaction of the writes of a new-visitor identification, 1 hot row (floor)',
    name: 'hot floor',
    before: 784,
    ...floor('/identify', floorKeys.slice(0, 1)),
    visitors: 'new',
  },
  {
    label: `the same transaction, ${ORGANIZATIONS} rows (floor)`,
    name: `${ORGANIZATIONS}-row floor`,
    before: 1_332,
    ...floor('/identify', floorKeys),
    visitors: 'new',
  },
  {
    label: 'Fastify + pg, one SELECT of an organization with its account (floor)',
    name: 'read floor',
    origin: floors.info.origin,
    paths: floors.info.organizationIds.map((id) => `/read/${id}`),
    keys: [],
    visitors: 'none',
    headers: {},
  },
  {
    label: '`POST /collect` repeat visitor',
    name: 'collect repeat',
    floor: 'upsert floor',
    goal: 0.5,
    before: 541,
    ...collect,
    keys: [hot.key],
    visitors: 'repeat',
  },
  {
    label: '`POST /collect` new visitor, 1 organization',
    name: 'collect new, 1 org',
    floor: 'hot floor',
    goal: 1,
    before: 181,
    p99Goal: { belowMs: 50, beforeMs: 409 },
    ...collect,
    keys: [hot.key],
    visitors: 'new',
    charges: true,
  },
  {
    label: `\`POST /collect\` new visitor, ${ORGANIZATIONS} organizations`,
    name: `collect new, ${ORGANIZATIONS} orgs`,
    floor: `${ORGANIZATIONS}-row floor`,
    goal: 1,
    before: 313,
    ...collect,
    keys: spread.map((o) => o.key),
    visitors: 'new',
    charges: true,
  },
  {
    label: '`GET /script.js`',
    name: 'script.js',
    floor: 'bare Fastify',
    goal: 0.7,
    before: 3_996,
    origin: server.info.origin,
    paths: [`/script.js?key=${hot.key}`],
    keys: [],
    visitors: 'none',
    // What a browser sends: the script goes out precompressed.
    headers: { 'user-agent': VISITOR_USER_AGENT, 'accept-encoding': 'gzip, deflate, br, zstd' },
  },
  {
    label: 'REST `GET /api/v1/partner/organizations/{id}`',
    name: 'REST organization',
    floor: 'bare Fastify',
    goal: 0.25,
    before: 665,
    alsoVs: 'read floor',
    ...partnerGet(''),
  },
  {
    label: 'REST `GET /api/v1/partner/organizations/{id}/credits` (balances)',
    name: 'REST balances',
    floor: 'bare Fastify',
    goal: 0.25,
    before: 531,
    alsoVs: 'read floor',
    ...partnerGet('/credits'),
  },
];

/**
 * `BENCH_HOT_CASES` (names, separated by `;`: some hold a comma) runs only those cases, each with its floor: for
 * measuring one change quickly. The goals table of a full run needs every case.
 */
const chosen = process.env.BENCH_HOT_CASES?.split(';').map((name) => name.trim());
const wanted = new Set(
  allCases
    .filter((c) => chosen === undefined || chosen.includes(c.name))
    .flatMap((c) => [c.name, c.floor, c.alsoVs].filter((name) => name !== undefined)),
);
const cases = allCases.filter((c) => wanted.has(c.name));
if (cases.length === 0) throw new Error(`BENCH_HOT_CASES names no case: ${chosen?.join(', ')}`);

// New visitors are numbered on: the server's from past the repeat visitors' addresses, so each
// is an address (an identity) never seen; the floors' on their own.
const nextVisitor = new Map<string, number>([
  [server.info.origin, REPEAT_VISITORS],
  [floors.info.origin, 0],
]);

/** How many identifications the server has made, once it has finished what is in flight. */
async function settledIdentifications() {
  let last = await identifications();
  for (let i = 0; i < 30; i += 1) {
    await sleep(100);
    const now = await identifications();
    if (now === last) return now;
    last = now;
  }
  return last;
}

/** Per charging case, over the measured rounds: credits charged, requests answered. */
const charges = new Map<Case, { charged: number; answered: number }>();

async function run(c: Case, seconds: number) {
  const offset = defined(nextVisitor.get(c.origin), 'the visitor counter');
  const before = c.charges ? await identifications() : 0;
  const logged = server.stderrLines().length;
  const result = await runWrk({
    url: `${c.origin}${defined(c.paths[0], 'a path')}`,
    headers: c.headers,
    scriptArgs: [
      c.paths.join(','),
      c.keys.length > 0 ? c.keys.join(',') : '-',
      c.visitors === 'repeat' ? `repeat:${REPEAT_VISITORS}` : c.visitors,
      String(offset),
      PAGE,
    ],
    connections: CONNECTIONS,
    threads: THREADS,
    seconds,
  });
  if (c.visitors === 'new') nextVisitor.set(c.origin, offset + result.sent);
  const problems: string[] = [];
  let charged = 0;
  if (c.charges) {
    // Every answered request charged; requests still in flight at the end may have too.
    charged = (await settledIdentifications()) - before;
    if (charged < result.requests)
      problems.push(`${result.requests - charged} requests charged no credit`);
  }
  const logs = server.stderrLines().length - logged;
  if (c.origin === server.info.origin && logs > 0) problems.push(`${logs} server log lines`);
  return { result, problems, charged };
}

const measured = new Map<Case, Measured>(
  cases.map((c) => [c, { row: c, rounds: [] as LoadResult[], problems: [] as string[] }]),
);

// Warm-up (the JIT, both pools' connections, the first pages of every table), then the
// statistics a running system would have, so no plan is one made for empty tables.
for (const c of cases) {
  const { result, problems } = await run(c, WARMUP_SECONDS);
  const failed = result.non2xx + result.socketErrors > 0 ? ['errors in wrk output'] : [];
  defined(measured.get(c), c.name).problems.push(
    ...[...failed, ...problems].map((p) => `warm-up: ${p}`),
  );
}
await sql`ANALYZE`.execute(serverDb);
await sql`ANALYZE`.execute(floorDb);

for (let round = 0; round < ROUNDS; round += 1) {
  for (const c of rotated(cases, round)) {
    const { result, problems, charged } = await run(c, SECONDS);
    if (c.charges) {
      const tally = charges.get(c) ?? { charged: 0, answered: 0 };
      charges.set(c, {
        charged: tally.charged + charged,
        answered: tally.answered + result.requests,
      });
    }
    const m = defined(measured.get(c), c.name);
    m.rounds.push(result);
    m.problems.push(...problems.map((p) => `round ${round + 1}: ${p}`));
  }
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

const setting = async (db: Db, name: string) =>
  defined(
    (await sql<{ value: string }>`SELECT current_setting(${name}) AS value`.execute(db)).rows[0],
    name,
  ).value;
const version = defined(
  (await sql<{ v: string }>`SELECT version() AS v`.execute(serverDb)).rows[0],
  'the version',
).v;
const wrkVersion = spawnSync('wrk', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
const addressesUsed = defined(nextVisitor.get(server.info.origin), 'the counter');

console.log(
  `\nhot paths over HTTP: wrk -t${THREADS} -c${CONNECTIONS}, ${ROUNDS} rounds of ${SECONDS} s per case, ` +
    `interleaved; medians (min–max over rounds)\n` +
    `${cpus().length} CPUs, Node ${process.version}, ${version}\n` +
    `synchronous_commit ${await setting(serverDb, 'synchronous_commit')}, fsync ${await setting(serverDb, 'fsync')}; ` +
    `${wrkVersion}; ${addressesUsed.toLocaleString('en')} of ${ADDRESSES.toLocaleString('en')} dataset addresses used\n`,
);
console.log(goalsTable([...measured.values()]));
for (const [c, { charged, answered }] of charges)
  console.log(
    `${c.name}: ${charged.toLocaleString('en')} identifications charged for ${answered.toLocaleString('en')} answered requests`,
  );

const withErrors = [...measured.values()].filter(
  (m) => m.problems.length > 0 || m.rounds.some((r) => r.non2xx + r.socketErrors > 0),
);
for (const m of withErrors) {
  console.log(`\n${m.row.name}: ${m.problems.join('; ') || 'errors in wrk output'}`);
  const failed = m.rounds.find((r) => r.non2xx + r.socketErrors > 0);
  if (failed) console.log(failed.output);
}
const logs = server.stderrLines();
if (logs.length > 0) {
  console.log(`\nthe server logged ${logs.length} lines; the first:`);
  for (const line of logs.slice(0, 5)) console.log(`  ${line.slice(0, 400)}`);
}
console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s\n`);

await serverDb.destroy();
await floorDb.destroy();
await floors.stop();
await server.stop();
await rm(dir, { recursive: true, force: true });
// A run with errors is a failed run: its figures count requests that did not do their work.
if (withErrors.length > 0) process.exitCode = 1;
