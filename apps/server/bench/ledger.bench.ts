/**
 * `pnpm bench`: the credit ledger, against one embedded PostgreSQL in one run.
 *
 * 1. consumeCredits throughput at 8 concurrent clients (one pool, a call of 1 credit with a
 *    unique idempotency key each, as the pixel sends them), on one hot organization and spread
 *    over 1,000; the floor is the cheapest possible decrement on a scratch table through the
 *    same pool at the same concurrency. Target: at least 50% of the floor.
 * 2. Balance reads (services.readBalances, and GET .../credits over HTTP) on an organization with
 *    10 entries and on one with 1,000,000. Target: within 1.5x.
 *
 * Every case runs for a bounded time in several rounds, interleaved (a different order each
 * round), so a noisy neighbour hurts every case alike; the tables show medians.
 */
import { services } from '@allot/api';
import { defined, DEFAULT_CREDIT_TYPE, DEFAULT_PRIORITY } from '@allot/domain';
import { sql } from 'kysely';
import { median, p95, rotated, startBench } from './setup.ts';

const CLIENTS = Number(process.env.BENCH_LEDGER_CLIENTS ?? 8);
const SPREAD = Number(process.env.BENCH_LEDGER_ORGANIZATIONS ?? 1_000);
const SECONDS = Number(process.env.BENCH_LEDGER_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_LEDGER_ROUNDS ?? 5);
/** Entries on the big organization's account: blocks of 1,000 credits, each spent 1 by 1. */
const HISTORY_BLOCKS = Number(process.env.BENCH_LEDGER_HISTORY_BLOCKS ?? 1_000);
const BLOCK_SIZE = 1_000;
const READS = Number(process.env.BENCH_LEDGER_READS ?? 300);
/** Far more than any run consumes: nothing is ever refused for want of credits. */
const ALLOWANCE = 1_000_000_000;

// External billing: allowances are issued, not drawn from a pool, so nothing caps them.
const bench = await startBench(0, { billingMode: 'external' });
const { db, partnerId } = bench;
const versionRow = await sql<{ version: string }>`SELECT version()`.execute(db);

// The organizations, with periods that end now: one renewal (the service's own, set-based)
// opens their accounts and grants each its allowance.
const seedStart = performance.now();
await sql`
  INSERT INTO organizations (id, partner_id, name, external_id, status, tier, product_type, billing_period,
    billing_day_of_month, billing_anchor, credit_allowance, metadata, pixel_key, period_start, period_end,
    charge_period_start)
  SELECT gen_random_uuid(), ${partnerId}, 'Client ' || name, name, 'active', 'paid', 'B2B', 'monthly', 1,
    now(), ${ALLOWANCE}, '{}', 'px_ledger_' || name, now() - interval '1 month', now(), now() - interval '1 month'
  FROM (SELECT 'spread-' || i AS name FROM generate_series(1, ${SPREAD}) AS i
        UNION ALL VALUES ('hot'), ('small'), ('big')) AS names`.execute(db);
await services.refreshPeriods(db, partnerId, new Date());
const organizations = await db
  .selectFrom('organizations')
  .select(['id', 'external_id'])
  .where('partner_id', '=', partnerId)
  .execute();
const idOf = (name: string) =>
  defined(
    organizations.find((o) => o.external_id === name),
    name,
  ).id;
const hot = idOf('hot');
const spread = organizations.filter((o) => o.external_id?.startsWith('spread-')).map((o) => o.id);
await sql`CREATE TABLE floor_accounts (id integer PRIMARY KEY, balance bigint NOT NULL)`.execute(
  db,
);
await sql`
  INSERT INTO floor_accounts SELECT i, ${ALLOWANCE} FROM generate_series(0, ${SPREAD}) AS i`.execute(
  db,
);
await sql`ANALYZE`.execute(db);
const seedMs = performance.now() - seedStart;

// ---------------------------------------------------------------------------------------------
// 1. Throughput
// ---------------------------------------------------------------------------------------------

let keys = 0;
const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)] as T;

async function consume(organizationId: string) {
  const result = await services.consumeCredits(
    db,
    { organizationId, amount: 1, idempotencyKey: `px-${(keys += 1)}`, reference: 'bench' },
    new Date(),
  );
  if (!result.granted || result.replayed || result.charged !== 1) {
    throw new Error(`consumption not charged: ${JSON.stringify(result)}`);
  }
}

async function decrement(id: number) {
  const result = await sql`
    UPDATE floor_accounts SET balance = balance - 1 WHERE id = ${id} AND balance > 0`.execute(db);
  if (result.numAffectedRows !== 1n) throw new Error('floor decrement touched no row');
}

/** `clients` concurrent loops of `call` for SECONDS (or `seconds`); completed calls per second. */
async function throughput(call: () => Promise<void>, clients: number, seconds = SECONDS) {
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let completed = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        await call();
        completed += 1;
      }
    }),
  );
  return completed / ((performance.now() - start) / 1000);
}

interface Case {
  name: string;
  clients: number;
  ours: () => Promise<void>;
  floor: () => Promise<void>;
}
const cases: Case[] = [
  {
    name: `${CLIENTS} clients, one hot organization`,
    clients: CLIENTS,
    ours: () => consume(hot),
    floor: () => decrement(0),
  },
  {
    name: `${CLIENTS} clients, spread over ${SPREAD.toLocaleString('en')} organizations`,
    clients: CLIENTS,
    ours: () => consume(pick(spread)),
    floor: () => decrement(1 + Math.floor(Math.random() * SPREAD)),
  },
  {
    name: `1 client, spread (latency, context only)`,
    clients: 1,
    ours: () => consume(pick(spread)),
    floor: () => decrement(1 + Math.floor(Math.random() * SPREAD)),
  },
];
const runs = cases.flatMap((c) => [
  { c, side: 'ours' as const, call: c.ours, samples: [] as number[] },
  { c, side: 'floor' as const, call: c.floor, samples: [] as number[] },
]);

for (const run of runs) await throughput(run.call, run.c.clients, 1); // warm-up
// Statistics as a running system has them. Without this, each connection keeps the plans it
// cached for ledger_consume while `consumptions` was empty (a sequential scan for the
// idempotency check) until autoanalyze comes by, and throughput sinks as the table grows.
await sql`ANALYZE`.execute(db);
for (let round = 0; round < ROUNDS; round++) {
  // Rotated each round: no case always runs right after the same one.
  for (const run of rotated(runs, round))
    run.samples.push(await throughput(run.call, run.c.clients));
}

const samplesOf = (c: Case, side: 'ours' | 'floor') =>
  defined(
    runs.find((r) => r.c === c && r.side === side),
    `${c.name}, ${side}`,
  ).samples;
const tps = (c: Case, side: 'ours' | 'floor') => median(samplesOf(c, side));
const spreadOf = (c: Case, side: 'ours' | 'floor') => {
  const values = samplesOf(c, side);
  return `${Math.round(Math.min(...values))}-${Math.round(Math.max(...values))}`;
};

// Every charge landed exactly once: the hot account holds its blocks' credits, and the
// consumptions add up to what was charged.
const audit = await sql<{ balance: number; blocks: string; consumed: string; rows: number }>`
  SELECT a.balance,
    (SELECT sum(remaining) FROM blocks WHERE account_id = a.id) AS blocks,
    (SELECT sum(amount) FROM consumptions WHERE organization_id = a.organization_id) AS consumed,
    (SELECT count(*) FROM consumptions WHERE organization_id = a.organization_id) AS rows
  FROM accounts a WHERE a.organization_id = ${hot} AND a.kind = 'organization'`.execute(db);
const hotAudit = defined(audit.rows[0], 'the hot account');
if (
  hotAudit.balance !== Number(hotAudit.blocks) ||
  hotAudit.balance !== ALLOWANCE - Number(hotAudit.consumed)
) {
  throw new Error(`the hot account does not add up: ${JSON.stringify(hotAudit)}`);
}

// ---------------------------------------------------------------------------------------------
// 2. Balance reads, 10 entries vs 1,000,000
// ---------------------------------------------------------------------------------------------

const small = idOf('small');
const big = idOf('big');
// Nine consumptions each after the renewal's entry: ten entries on the small account.
for (let i = 0; i < 9; i++) {
  await consume(small);
  await consume(big);
}

const accountsOf = async (organizationId: string | null) =>
  db
    .selectFrom('accounts')
    .selectAll()
    .where('partner_id', '=', partnerId)
    .where('credit_type', '=', DEFAULT_CREDIT_TYPE)
    .where('organization_id', organizationId === null ? 'is' : '=', organizationId)
    .execute();

// The big organization's history, set-based: HISTORY_BLOCKS spent blocks of BLOCK_SIZE
// credits, each issued (one entry on the account, one on issuance) and then consumed one
// credit at a time (one entry on the account, one on its consumption sink). Sequences and
// balances after run on from the account's own; its balance ends where it started, equal to
// its blocks, and the sink and issuance accounts move by the same totals.
const historyStart = performance.now();
await db.transaction().execute(async (trx) => {
  const mine = await accountsOf(big);
  const account = defined(
    mine.find((a) => a.kind === 'organization'),
    'the organization account',
  );
  const sink = defined(
    mine.find((a) => a.kind === 'consumption'),
    'the consumption account',
  );
  const issuance = defined(
    (await accountsOf(null)).find((a) => a.kind === 'issuance'),
    'the issuance account',
  );
  const per = BLOCK_SIZE + 1; // one increment and BLOCK_SIZE decrements per block
  const { rows } = await sql<{ base: number }>`
    SELECT setval('ledger_transfer_seq', nextval('ledger_transfer_seq') + ${HISTORY_BLOCKS * per})
      - ${HISTORY_BLOCKS * per} AS base`.execute(trx);
  const base = defined(rows[0], 'the reserved sequence').base;
  await sql`
    INSERT INTO blocks (id, account_id, kind, amount, remaining, priority, effective_at, reason, created_at)
    SELECT gen_random_uuid(), ${account.id}, 'purchased', ${BLOCK_SIZE}, 0, ${DEFAULT_PRIORITY},
      now() - interval '2 years' + k * interval '1 hour', 'bench history ' || k,
      now() - interval '2 years' + k * interval '1 hour'
    FROM generate_series(0, ${HISTORY_BLOCKS - 1}) AS k`.execute(trx);
  await sql`
    WITH b AS (
      SELECT id, created_at, (row_number() OVER (ORDER BY created_at, id) - 1)::bigint AS k
      FROM blocks WHERE account_id = ${account.id} AND reason LIKE 'bench history %'
    ),
    legs AS (
      SELECT b.k, j, b.id AS block_id, b.created_at + j * interval '1 second' AS at,
        ${base}::bigint + b.k * ${per}::bigint + j AS transfer_id
      FROM b CROSS JOIN generate_series(0, ${BLOCK_SIZE}::bigint) AS j
    )
    INSERT INTO entries (account_id, account_kind, partner_id, organization_id, credit_type,
      transfer_id, type, amount, balance_after, sequence, block_id, reason, reference, created_at)
    SELECT account_id, kind, ${partnerId}::uuid, org, ${DEFAULT_CREDIT_TYPE}, transfer_id, type, amount,
      balance_after, sequence, block_id, NULL, NULL, at
    FROM (
      -- the organization's account: +BLOCK_SIZE, then -1 BLOCK_SIZE times
      SELECT ${account.id}::uuid AS account_id, 'organization' AS kind, ${big}::uuid AS org,
        transfer_id, CASE WHEN j = 0 THEN 'increment' ELSE 'decrement' END AS type,
        CASE WHEN j = 0 THEN ${BLOCK_SIZE}::bigint ELSE -1 END AS amount,
        ${account.balance}::bigint + ${BLOCK_SIZE}::bigint - j AS balance_after,
        ${account.sequence}::bigint + k * ${per}::bigint + j + 1 AS sequence, block_id, at
      FROM legs
      UNION ALL
      -- the other leg of each transfer
      SELECT CASE WHEN j = 0 THEN ${issuance.id}::uuid ELSE ${sink.id}::uuid END,
        CASE WHEN j = 0 THEN 'issuance' ELSE 'consumption' END,
        CASE WHEN j = 0 THEN NULL ELSE ${big}::uuid END,
        transfer_id, CASE WHEN j = 0 THEN 'increment' ELSE 'decrement' END,
        CASE WHEN j = 0 THEN ${-BLOCK_SIZE}::bigint ELSE 1 END,
        CASE WHEN j = 0 THEN ${issuance.balance}::bigint - (k + 1) * ${BLOCK_SIZE}::bigint
          ELSE ${sink.balance}::bigint + k * ${BLOCK_SIZE}::bigint + j END,
        CASE WHEN j = 0 THEN ${issuance.sequence}::bigint + k + 1
          ELSE ${sink.sequence}::bigint + k * ${BLOCK_SIZE}::bigint + j END,
        block_id, at
      FROM legs
    ) AS rows
    ORDER BY transfer_id, kind <> 'organization'`.execute(trx);
  const moved = HISTORY_BLOCKS * BLOCK_SIZE;
  await sql`
    UPDATE accounts a SET balance = a.balance + v.delta, sequence = a.sequence + v.n
    FROM (VALUES (${account.id}::uuid, 0::bigint, ${HISTORY_BLOCKS * per}::bigint),
                 (${sink.id}::uuid, ${moved}::bigint, ${moved}::bigint),
                 (${issuance.id}::uuid, ${-moved}::bigint, ${HISTORY_BLOCKS}::bigint)) AS v(id, delta, n)
    WHERE a.id = v.id`.execute(trx);
});
await sql`ANALYZE`.execute(db);
const historyMs = performance.now() - historyStart;

const ledgerCheck = await sql<{
  org: string;
  entries: number;
  balance: number;
  blocks: string;
  last: number;
}>`
  SELECT o.external_id AS org, a.balance,
    (SELECT count(*) FROM entries e WHERE e.account_id = a.id) AS entries,
    (SELECT sum(remaining) FROM blocks b WHERE b.account_id = a.id) AS blocks,
    (SELECT balance_after FROM entries e WHERE e.account_id = a.id ORDER BY sequence DESC LIMIT 1) AS last
  FROM accounts a JOIN organizations o ON o.id = a.organization_id
  WHERE a.organization_id IN (${small}, ${big}) AND a.kind = 'organization'
  ORDER BY o.external_id`.execute(db);
for (const row of ledgerCheck.rows) {
  if (row.balance !== Number(row.blocks) || row.balance !== row.last) {
    throw new Error(`the ${row.org} account does not add up: ${JSON.stringify(row)}`);
  }
}
const entriesOf = (name: string) =>
  defined(
    ledgerCheck.rows.find((r) => r.org === name),
    name,
  ).entries;
const zeroSum = await sql<{ net: string }>`
  SELECT sum(balance) AS net FROM accounts WHERE partner_id = ${partnerId}`.execute(db);
if (Number(defined(zeroSum.rows[0], 'the ledger sum').net) !== 0)
  throw new Error('the ledger does not sum to zero');

async function timeRead(organizationId: string) {
  const start = performance.now();
  const [balance] = await services.readBalances(db, organizationId, new Date());
  const ms = performance.now() - start;
  if (!balance || balance.available <= 0) throw new Error('no balance read');
  return ms;
}
const readers = [
  { via: 'services.readBalances', org: 'small', read: () => timeRead(small) },
  { via: 'services.readBalances', org: 'big', read: () => timeRead(big) },
  {
    via: 'GET /partner/organizations/{id}/credits',
    org: 'small',
    read: () => bench.timeRequest(`/partner/organizations/${small}/credits`),
  },
  {
    via: 'GET /partner/organizations/{id}/credits',
    org: 'big',
    read: () => bench.timeRequest(`/partner/organizations/${big}/credits`),
  },
].map((reader) => ({ ...reader, samples: [] as number[] }));
for (let i = 0; i < 20; i++) for (const reader of readers) await reader.read(); // warm-up
for (let i = 0; i < READS; i++) {
  // Round-robin, starting one further each time: no reader always follows the same one.
  for (const reader of rotated(readers, i)) {
    reader.samples.push(await reader.read());
  }
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

console.log(
  `\n${defined(versionRow.rows[0], 'the server version').version}\n${(SPREAD + 3).toLocaleString('en')} organizations seeded and renewed in ${(seedMs / 1000).toFixed(1)} s; ` +
    `${ROUNDS} rounds of ${SECONDS} s per case, interleaved; medians (min-max over rounds)\n`,
);
console.table(
  cases.map((c) => ({
    case: c.name,
    'consumeCredits TPS': Math.round(tps(c, 'ours')),
    'ours min-max': spreadOf(c, 'ours'),
    'floor TPS': Math.round(tps(c, 'floor')),
    'floor min-max': spreadOf(c, 'floor'),
    'ours/floor': `${((100 * tps(c, 'ours')) / tps(c, 'floor')).toFixed(0)}%`,
  })),
);
console.log(
  `floor: UPDATE floor_accounts SET balance = balance - 1 WHERE id = $1 AND balance > 0, same pool (max 10), same clients`,
);
for (const c of cases.slice(0, 2)) {
  const ratio = tps(c, 'ours') / tps(c, 'floor');
  console.log(
    `target >= 50% of the floor, ${c.name}: ${(100 * ratio).toFixed(0)}% -> ${ratio >= 0.5 ? 'MET' : 'NOT MET'}`,
  );
}

console.log(
  `\nbalance reads, sequential, ${READS} of each, interleaved; the long history was written in ` +
    `${(historyMs / 1000).toFixed(1)} s\n`,
);
console.table(
  readers.map((r) => ({
    via: r.via,
    'entries on the account': entriesOf(r.org).toLocaleString('en'),
    'median ms': median(r.samples).toFixed(3),
    'p95 ms': p95(r.samples).toFixed(3),
  })),
);
for (const via of new Set(readers.map((r) => r.via))) {
  const [few, many] = ['small', 'big'].map(
    (org) =>
      defined(
        readers.find((r) => r.via === via && r.org === org),
        `${via}, ${org}`,
      ).samples,
  ) as [number[], number[]];
  const ratio = median(many) / median(few);
  console.log(
    `target within 1.5x, ${via}: ${entriesOf('big').toLocaleString('en')} vs ${entriesOf('small')} entries ` +
      `${ratio.toFixed(2)}x (median vs median) -> ${ratio <= 1.5 ? 'MET' : 'NOT MET'}`,
  );
}
console.log();

await bench.close();
