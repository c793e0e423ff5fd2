/**
 * `pnpm bench`: the invoice engine at scale, against one embedded PostgreSQL in one run.
 *
 * 1. Closing a billing period: BENCH_INVOICE_PARTNERS usage_based partners with
 *    BENCH_INVOICE_ORGANIZATIONS organizations each, every organization having consumed credits
 *    through `ledger_consume` during the period (one in ten past its allowance, so overage is
 *    billed apart). The clock crosses the period end; the worker's renewal of every organization
 *    (`renewDuePeriods`, which it runs first) is the baseline, then `issueDueInvoices` issues one
 *    invoice per partner. Wall time and the process's peak RSS and heap above where it started.
 *    Each round is checked against the ledger, so nothing passes by billing nothing.
 * 2. The PDF of a 10,000-line invoice (`invoicePdf`, consumed to the end, chunks discarded),
 *    against a 100-line one: wall time, peak RSS and heap above where it started, cost per line.
 *    Both invoices are issued by the engine from real consumption.
 *
 * The machine is shared: every case runs several rounds (the PDFs interleaved, a different
 * order each round) and the tables show medians with min–max.
 */
import { services } from '@allot/api';
import { createPool, inTransaction, type Database, type Db } from '@allot/db';
import { DEFAULT_CREDIT_TYPE, defined, type Invoice } from '@allot/domain';
import { Kysely, PostgresDialect, sql, type RawBuilder } from 'kysely';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { median, rotated, startBench } from './setup.ts';

const PARTNERS = Number(process.env.BENCH_INVOICE_PARTNERS ?? 1_000);
const ORGANIZATIONS = Number(process.env.BENCH_INVOICE_ORGANIZATIONS ?? 100);
const ROUNDS = Number(process.env.BENCH_INVOICE_ROUNDS ?? 3);
const PDF_LINES = Number(process.env.BENCH_INVOICE_PDF_LINES ?? 10_000);
const PDF_BASELINE_LINES = 100;
const PDF_ROUNDS = Number(process.env.BENCH_INVOICE_PDF_ROUNDS ?? 5);
const ALLOWANCE = 10;
const OVERAGE = 5;
const HOUR = 3_600_000;
const PRICING = { usage: '0.15', overage: '0.20' };
/** Also print, per measured case, the statements that took its time (as the client saw them). */
const PROFILE = process.env.BENCH_INVOICE_PROFILE === '1';

let offset = 0;
const clock = () => new Date(Date.now() + offset);
/** Moves the clock to `instant`; it runs on from there. */
const setClock = (instant: Date) => {
  offset = instant.getTime() - Date.now();
};

// A collection on demand, so "before" counts what is retained, not garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const seconds = (ms: number) => (ms / 1000).toFixed(2);

interface Measured<T> {
  result: T;
  ms: number;
  /** Peak RSS above the RSS before, in bytes. */
  rss: number;
  /** Peak heap used above the heap used (after a collection) before, in bytes. */
  heap: number;
}

/**
 * Times `work` and samples memory every few milliseconds while it runs (and whenever it calls
 * `sample`, for stretches that keep the event loop busy), so the peak is seen, not the end.
 */
async function measured<T>(work: (sample: () => void) => Promise<T>): Promise<Measured<T>> {
  gc();
  gc();
  const before = process.memoryUsage();
  let rssPeak = before.rss;
  let heapPeak = before.heapUsed;
  const sample = () => {
    const now = process.memoryUsage();
    rssPeak = Math.max(rssPeak, now.rss);
    heapPeak = Math.max(heapPeak, now.heapUsed);
  };
  const timer = setInterval(sample, 5);
  try {
    const start = performance.now();
    const result = await work(sample);
    const ms = performance.now() - start;
    sample();
    return { result, ms, rss: rssPeak - before.rss, heap: heapPeak - before.heapUsed };
  } finally {
    clearInterval(timer);
  }
}

const range = (values: number[], format: (value: number) => string) =>
  `${format(Math.min(...values))}–${format(Math.max(...values))}`;

// An organization's consumption in a period, from its external id: within the allowance, and
// past it for one in ten.
const consumedOf = (external: RawBuilder<unknown>) =>
  sql`CASE WHEN ${external}::int % 10 = 0 THEN ${ALLOWANCE + OVERAGE}
    ELSE 1 + ${external}::int % ${ALLOWANCE} END`;

const bench = await startBench(0, { billingMode: 'usage_based', clock });
const { db } = bench;

// Statements by their text (parameters apart), so a loop's thousand calls add up to one row.
const statements = new Map<string, { calls: number; ms: number }>();
const profiled: Db = PROFILE
  ? new Kysely<Database>({
      dialect: new PostgresDialect({ pool: createPool({ url: bench.databaseUrl, max: 10 }) }),
      log: (event) => {
        const text = event.query.sql.replace(/\s+/g, ' ').trim();
        const row = statements.get(text) ?? { calls: 0, ms: 0 };
        row.calls += 1;
        row.ms += event.queryDurationMillis;
        statements.set(text, row);
      },
    })
  : db;

/** The statements `work` ran, slowest in total first. */
async function profile<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (!PROFILE) return work();
  statements.clear();
  const result = await work();
  const top = [...statements].sort((a, b) => b[1].ms - a[1].ms).slice(0, 8);
  console.log(`\n${name}: statements by total time`);
  console.table(
    top.map(([text, row]) => ({
      statement: text.length > 110 ? `${text.slice(0, 107)}...` : text,
      calls: row.calls,
      'total ms': row.ms.toFixed(0),
      'ms per call': (row.ms / row.calls).toFixed(2),
    })),
  );
  return result;
}

/** Partners onboarded by the operator's own service, then organizations seeded set-based. */
async function seedPartners(names: string[], organizations: number): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names) {
    const { partner } = await inTransaction(db, (trx) =>
      services.createPartner(
        trx,
        {
          name,
          billingMode: 'usage_based',
          billingPeriod: 'monthly',
          billingDayOfMonth: 1,
          poolCredits: 0,
        },
        clock(),
      ),
    );
    ids.push(partner.id);
  }
  // Periods that end now: the renewal that follows opens every account and grants the
  // allowance for the period the clock is in, as the worker does at a period start.
  const now = clock();
  await sql`
    INSERT INTO organizations (id, partner_id, name, external_id, status, tier, product_type,
      billing_period, billing_day_of_month, billing_anchor, credit_allowance, metadata, pixel_key,
      period_start, period_end, charge_period_start)
    SELECT gen_random_uuid(), p.id, 'Client ' || lpad(i::text, 5, '0'), i::text, 'active', 'paid',
      'B2B', 'monthly', 1, ${now}, ${ALLOWANCE}, '{}', 'px_inv_' || p.id || '_' || i,
      ${now}::timestamptz - interval '1 month', ${now}, ${now}::timestamptz - interval '1 month'
    FROM unnest(${ids}::uuid[]) AS p(id), generate_series(1, ${organizations}) AS i`.execute(db);
  await sql`ANALYZE organizations`.execute(db);
  await services.renewDuePeriods(db, clock());
  // Priced from the period they are in, as pricing a partner for the first time does.
  await sql`
    INSERT INTO partner_pricing (partner_id, currency, usage_unit_price, overage_unit_price,
      payment_terms_days, tax_rate, billed_from, updated_at)
    SELECT id, 'USD', ${PRICING.usage}, ${PRICING.overage}, 30, '0.00', pool_period_start, ${now}
    FROM partners WHERE id = ANY(${ids}::uuid[])`.execute(db);
  await sql`ANALYZE`.execute(db);
  return ids;
}

/**
 * Every organization of these partners consumes its amount for the period through the ledger's
 * own function, a batch of partners per statement. Returns the credits charged and the overage.
 */
async function consumeAll(partnerIds: string[], batch = 50) {
  let charged = 0;
  let overage = 0;
  const now = clock();
  const batches: string[][] = [];
  for (let i = 0; i < partnerIds.length; i += batch) batches.push(partnerIds.slice(i, i + batch));
  // Two at a time, one per core: batches share no partner, so they share no row to lock.
  const next = async (): Promise<void> => {
    const ids = batches.shift();
    if (!ids) return;
    const { rows } = await sql<{
      outcome: string;
      calls: number;
      charged: string;
      overage: string;
    }>`
      SELECT c.outcome, count(*)::int AS calls, sum(c.charged) AS charged, sum(c.overage) AS overage
      FROM organizations o,
        LATERAL ledger_consume(o.id, ${DEFAULT_CREDIT_TYPE}, (${consumedOf(sql`o.external_id`)})::bigint,
          NULL, NULL, 'decrement', NULL, ${now}::timestamptz) AS c
      WHERE o.partner_id = ANY(${ids}::uuid[])
      GROUP BY c.outcome`.execute(db);
    for (const row of rows) {
      if (row.outcome !== 'consumed')
        throw new Error(`consumption refused for ${row.calls} organizations: ${row.outcome}`);
      charged += Number(row.charged);
      overage += Number(row.overage);
    }
    return next();
  };
  await Promise.all([next(), next()]);
  return { charged, overage };
}

// ---------------------------------------------------------------------------------------------
// 1. Closing a billing period
// ---------------------------------------------------------------------------------------------

const seedStart = performance.now();
const partnerIds = await seedPartners(
  Array.from({ length: PARTNERS }, (_, i) => `Partner ${i + 1}`),
  ORGANIZATIONS,
);
const seedMs = performance.now() - seedStart;
const organizationCount = PARTNERS * ORGANIZATIONS;
const overageOrganizations = PARTNERS * Math.floor(ORGANIZATIONS / 10);

/** The period the partners are in (all were onboarded together, so they share it). */
async function currentPeriod() {
  const row = await db
    .selectFrom('partners')
    .select(['pool_period_start', 'pool_period_end'])
    .where('id', '=', defined(partnerIds[0], 'a partner'))
    .executeTakeFirstOrThrow();
  return { start: row.pool_period_start, end: row.pool_period_end };
}

/** After the renewal: every organization is in the new period, its counters reset. */
async function checkRenewal(periodStart: Date) {
  const { rows } = await sql<{ behind: number; consumed: string | null; credited: string }>`
    SELECT
      (SELECT count(*)::int FROM organizations WHERE partner_id = ANY(${partnerIds}::uuid[])
        AND period_start <> ${periodStart}) AS behind,
      (SELECT sum(period_consumed) FROM accounts WHERE partner_id = ANY(${partnerIds}::uuid[])
        AND kind = 'organization') AS consumed,
      (SELECT sum(period_credited) FROM accounts WHERE partner_id = ANY(${partnerIds}::uuid[])
        AND kind = 'organization') AS credited`.execute(db);
  const row = defined(rows[0], 'a row');
  if (
    row.behind !== 0 ||
    Number(row.consumed) !== 0 ||
    Number(row.credited) !== organizationCount * ALLOWANCE
  )
    throw new Error(`renewal left a wrong state: ${JSON.stringify(row)}`);
}

/**
 * After the invoicing: one invoice per partner for the closed period, whose lines add up to
 * what was consumed in it (overage apart), at the partner's prices, each consumption entry
 * billed once; the operator's numbers run 1..n without a gap.
 */
async function checkInvoices(
  period: { start: Date; end: Date },
  consumed: { charged: number; overage: number },
) {
  const { rows } = await sql<{
    invoices: number;
    partners: number;
    lines: number;
    usage: string;
    overage: string;
    total: string;
    recorded: number;
    billable: number;
  }>`
    WITH closed AS (
      SELECT id, partner_id, total FROM invoices
      WHERE issuer = 'operator' AND period_start = ${period.start} AND period_end = ${period.end}
    )
    SELECT
      (SELECT count(*)::int FROM closed) AS invoices,
      (SELECT count(DISTINCT partner_id)::int FROM closed) AS partners,
      (SELECT count(*)::int FROM invoice_lines WHERE invoice_id IN (SELECT id FROM closed)) AS lines,
      (SELECT coalesce(sum(quantity), 0) FROM invoice_lines
        WHERE invoice_id IN (SELECT id FROM closed) AND kind = 'usage') AS usage,
      (SELECT coalesce(sum(quantity), 0) FROM invoice_lines
        WHERE invoice_id IN (SELECT id FROM closed) AND kind = 'overage') AS overage,
      (SELECT coalesce(sum(total), 0) FROM closed) AS total,
      (SELECT count(*)::int FROM invoice_line_entries
        WHERE invoice_id IN (SELECT id FROM closed)) AS recorded,
      (SELECT count(*)::int FROM entries WHERE partner_id = ANY(${partnerIds}::uuid[])
        AND account_kind = 'consumption' AND type = 'decrement'
        AND created_at >= ${period.start} AND created_at < ${period.end}) AS billable`.execute(db);
  const row = defined(rows[0], 'a row');
  // Cents, exactly: every line is a whole number of cents at these prices.
  const expectedCents = consumed.charged * 15 + consumed.overage * 20;
  const problems = [
    row.invoices !== PARTNERS && `${row.invoices} invoices`,
    row.partners !== PARTNERS && `${row.partners} partners invoiced`,
    row.lines !== organizationCount + overageOrganizations && `${row.lines} lines`,
    Number(row.usage) !== consumed.charged && `usage ${row.usage} vs ${consumed.charged}`,
    Number(row.overage) !== consumed.overage && `overage ${row.overage} vs ${consumed.overage}`,
    Math.round(Number(row.total) * 100) !== expectedCents &&
      `total ${row.total} vs ${expectedCents / 100}`,
    row.recorded !== row.billable && `${row.recorded} entries billed of ${row.billable}`,
  ].filter(Boolean);

  const numbers = await sql<{
    count: number;
    first: number;
    last: number;
    distinct: number;
    issued: number;
  }>`
    SELECT count(*)::int AS count, min(n)::int AS first, max(n)::int AS last,
      count(DISTINCT n)::int AS distinct,
      (SELECT last_number::int FROM invoice_issuers WHERE issuer = 'operator') AS issued
    FROM (SELECT substring(number FROM '[0-9]+$')::bigint AS n FROM invoices
      WHERE issuer = 'operator') AS numbered`.execute(db);
  const n = defined(numbers.rows[0], 'a row');
  if (
    n.count === 0 ||
    n.first !== 1 ||
    n.last !== n.count ||
    n.distinct !== n.count ||
    n.issued !== n.count
  )
    problems.push(`numbers not gap-free: ${JSON.stringify(n)}`);
  if (problems.length > 0)
    throw new Error(`the invoices do not match the ledger: ${problems.join('; ')}`);
  return row;
}

interface Round {
  renewal: Measured<number>;
  invoicing: Measured<number>;
  lines: number;
  billed: number;
}
const rounds: Round[] = [];
let consumeMs = 0;
for (let round = 0; round < ROUNDS; round++) {
  const period = await currentPeriod();
  // Into the period (the round before left the clock an hour past its start), then consume.
  const consumeStart = performance.now();
  const consumed = await consumeAll(partnerIds);
  consumeMs += performance.now() - consumeStart;
  // Statistics as autovacuum keeps them in a running deployment. The first round still starts
  // with the invoice tables empty, as a new deployment's first run does (see the per-round table).
  await sql`ANALYZE`.execute(db);

  // An hour past the period's end: the worker's minute has come, well before the next boundary.
  setClock(new Date(period.end.getTime() + HOUR));
  const renewal = await measured(() =>
    profile(`renewal, round ${round + 1}`, () => services.renewDuePeriods(profiled, clock())),
  );
  // The bench's own partner renews too: it is not priced and has no organizations.
  if (renewal.result !== PARTNERS + 1)
    throw new Error(`renewed ${renewal.result} partners, not ${PARTNERS + 1}`);
  await checkRenewal(period.end);

  const invoicing = await measured(() =>
    profile(`invoicing, round ${round + 1}`, () => services.issueDueInvoices(profiled, clock())),
  );
  if (invoicing.result !== PARTNERS)
    throw new Error(`issued ${invoicing.result} invoices, not ${PARTNERS}`);
  const checked = await checkInvoices(period, consumed);
  rounds.push({
    renewal,
    invoicing,
    lines: checked.lines,
    billed: consumed.charged + consumed.overage,
  });
}

console.log(
  `\nclosing a billing period: ${PARTNERS.toLocaleString('en')} usage_based partners x ${ORGANIZATIONS} organizations ` +
    `(${organizationCount.toLocaleString('en')}); ${ROUNDS} rounds; seeded in ${seconds(seedMs)} s, ` +
    `consumption (ledger_consume, set-based) ${seconds(consumeMs / ROUNDS)} s per round\n`,
);
console.table(
  rounds.map((r, i) => ({
    round: i + 1,
    'renewal s': seconds(r.renewal.ms),
    'invoicing s': seconds(r.invoicing.ms),
    'invoicing / renewal': (r.invoicing.ms / r.renewal.ms).toFixed(2),
    invoices: r.invoicing.result,
    lines: r.lines.toLocaleString('en'),
    'credits billed': r.billed.toLocaleString('en'),
    check: 'ok',
  })),
);
const closingRow = (name: string, samples: Measured<number>[], per: string, count: number) => ({
  case: name,
  'median s': seconds(median(samples.map((s) => s.ms))),
  'min–max s': range(
    samples.map((s) => s.ms),
    seconds,
  ),
  [`ms per ${per}`]: (median(samples.map((s) => s.ms)) / count).toFixed(2),
  'peak RSS Δ MB': mb(median(samples.map((s) => s.rss))),
  'peak heap Δ MB': mb(median(samples.map((s) => s.heap))),
});
const invoicingSamples = rounds.map((r) => r.invoicing);
const renewalSamples = rounds.map((r) => r.renewal);
console.table([
  closingRow('issueDueInvoices (one invoice per partner)', invoicingSamples, 'partner', PARTNERS),
  closingRow('BASELINE renewDuePeriods (all organizations)', renewalSamples, 'partner', PARTNERS),
]);
const ratio = median(invoicingSamples.map((s) => s.ms)) / median(renewalSamples.map((s) => s.ms));
console.log(
  `invoicing / renewal: ${ratio.toFixed(2)}x (medians; per round ${rounds
    .map((r) => (r.invoicing.ms / r.renewal.ms).toFixed(2))
    .join(', ')}); peak memory is this process's (PostgreSQL's is its own)\n`,
);

// ---------------------------------------------------------------------------------------------
// 2. The PDF
// ---------------------------------------------------------------------------------------------

/** A partner whose one invoice has a line per organization (all within their allowance). */
async function issuedInvoice(lines: number): Promise<{ invoice: Invoice; issueMs: number }> {
  const [partnerId] = await seedPartners([`PDF ${lines}`], lines);
  const id = defined(partnerId, 'a partner');
  // Within the allowance only, so there is one line per organization.
  const now = clock();
  await sql`
    SELECT ledger_consume(id, ${DEFAULT_CREDIT_TYPE}, 1 + external_id::int % ${ALLOWANCE}, NULL,
      NULL, 'decrement', NULL, ${now}::timestamptz)
    FROM organizations WHERE partner_id = ${id}`.execute(db);
  const start = performance.now();
  const { invoice } = await inTransaction(db, (trx) => services.issueInvoiceNow(trx, id, clock()));
  const issueMs = performance.now() - start;
  if (invoice.lines.length !== lines)
    throw new Error(`the invoice has ${invoice.lines.length} lines, not ${lines}`);
  return { invoice, issueMs };
}

const big = await issuedInvoice(PDF_LINES);
const small = await issuedInvoice(PDF_BASELINE_LINES);

const PAGE = Buffer.from('/Type /Page\n');
/** Renders to the end, keeping nothing but counts: bytes, pages, and the file's two ends. */
async function render(invoice: Invoice, sample: () => void) {
  let bytes = 0;
  let pages = 0;
  let head = '';
  let tail = Buffer.alloc(0);
  for await (const chunk of services.invoicePdf(invoice)) {
    sample();
    if (bytes === 0) head = chunk.subarray(0, 5).toString('latin1');
    bytes += chunk.length;
    for (let at = chunk.indexOf(PAGE); at !== -1; at = chunk.indexOf(PAGE, at + 1)) pages += 1;
    tail = Buffer.from(chunk.subarray(-16));
  }
  if (head !== '%PDF-' || !tail.toString('latin1').includes('%%EOF'))
    throw new Error('the PDF is not a complete document');
  return { bytes, pages };
}

const cases = [
  { name: `${PDF_LINES.toLocaleString('en')}-line invoice`, ...big },
  { name: `BASELINE ${PDF_BASELINE_LINES}-line invoice`, ...small },
];
const pdfSamples = new Map<string, Measured<{ bytes: number; pages: number }>[]>(
  cases.map((c) => [c.name, []]),
);
for (let round = 0; round < PDF_ROUNDS; round++)
  for (const c of rotated(cases, round)) {
    const result = await measured((sample) => render(c.invoice, sample));
    // Fewer pages than lines at ~60 a page would mean lines were skipped.
    if (result.result.pages < Math.ceil(c.invoice.lines.length / 70))
      throw new Error(`${c.name}: ${result.result.pages} pages`);
    defined(pdfSamples.get(c.name), c.name).push(result);
  }

console.log(`invoice PDF (invoicePdf, chunks discarded); ${PDF_ROUNDS} rounds, interleaved\n`);
const perLine = (name: string, lines: number) =>
  median(defined(pdfSamples.get(name), name).map((s) => s.ms)) / lines;
console.table(
  cases.map((c) => {
    const samples = defined(pdfSamples.get(c.name), c.name);
    const last = defined(samples.at(-1), 'a sample').result;
    return {
      case: c.name,
      pages: last.pages,
      KB: Math.round(last.bytes / 1024).toLocaleString('en'),
      'median ms': median(samples.map((s) => s.ms)).toFixed(0),
      'min–max ms': range(
        samples.map((s) => s.ms),
        (v) => v.toFixed(0),
      ),
      'µs per line': (perLine(c.name, c.invoice.lines.length) * 1000).toFixed(0),
      'peak RSS Δ MB': mb(median(samples.map((s) => s.rss))),
      'peak heap Δ MB': mb(median(samples.map((s) => s.heap))),
      'issueInvoiceNow ms (once)': c.issueMs.toFixed(0),
    };
  }),
);
const bigName = defined(cases[0], 'a case').name;
const smallName = defined(cases[1], 'a case').name;
const bigMs = perLine(bigName, PDF_LINES) * PDF_LINES;
const smallMs = perLine(smallName, PDF_BASELINE_LINES) * PDF_BASELINE_LINES;
// The marginal cost leaves out what every document pays once (fonts, header, totals).
const marginal = (bigMs - smallMs) / (PDF_LINES - PDF_BASELINE_LINES);
console.log(
  `per line, ${PDF_LINES.toLocaleString('en')} lines cost ${(perLine(bigName, PDF_LINES) / perLine(smallName, PDF_BASELINE_LINES)).toFixed(2)}x what ${PDF_BASELINE_LINES} lines do ` +
    `(medians; each line past the first ${PDF_BASELINE_LINES} adds ${(marginal * 1000).toFixed(0)} µs); ` +
    `process max RSS over the run ${mb(process.resourceUsage().maxRSS * 1024)} MB\n`,
);

if (PROFILE) await profiled.destroy();
await bench.close();
