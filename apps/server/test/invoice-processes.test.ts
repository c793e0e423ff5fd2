// The invoice engine's guarantees across processes and crashes, with the real clock: server and
// worker processes of their own on the test database race at one period boundary, and a worker
// is killed (SIGKILL) in the middle of issuing. Whatever the interleaving, each partner has one
// invoice per period, the operator's numbers have no gap, and every credit is billed once.
import { defined, periodContaining, type BillingCycle } from '@allot/domain';
import { sql, type RawBuilder } from 'kysely';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectBooksBalance } from './books.ts';
import { OPERATOR_TOKEN, startTestServer, type TestServer } from './harness.ts';
import { invoicing } from './invoicing.ts';
import { startServerProcess, startWorkerProcess as startWorker } from './processes.ts';
import { MINUTE } from './time.ts';
import { until } from './until.ts';

const MONTHLY: BillingCycle = { period: 'monthly', dayOfMonth: 1, anchor: new Date(0) };
// The processes keep the real clock, so the partners are set up in the month before this one:
// by now their period has ended (the kill test), or it is made to end a few seconds from now (the
// race). The harness server only sets them up and reads the database.
const current = periodContaining(new Date(), MONTHLY);
const previous = periodContaining(new Date(current.start.getTime() - 1), MONTHLY);
const setUpAt = new Date(previous.start.getTime() + 10 * 24 * 60 * MINUTE);

let server: TestServer;
const children: ChildProcess[] = [];
beforeAll(async () => {
  server = await startTestServer({ now: () => setUpAt });
}, 60_000);
afterAll(async () => {
  // Whatever a failed test left running: SIGTERM, which tsx passes on to the process it runs.
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await server.close();
});

const { operator, pricedPartner, organization, consume } = invoicing(() => server);

/** A worker process on the test database, stopped when the file ends. */
async function startWorkerProcess() {
  const worker = await startWorker(server.databaseUrl);
  children.push(worker.child);
  return worker;
}

/** Signals a process and waits for it to be gone. */
async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/**
 * The worker's task, queued as its schedule queues it, with one attempt so that a failure stays
 * in the queue. Returns the job's id.
 */
async function queueIssueInvoices(runAt: Date = new Date()): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    SELECT id::text FROM graphile_worker.add_job('issue_invoices',
      run_at := ${runAt}::timestamptz, max_attempts := 1)`.execute(server.db);
  return defined(rows[0], 'the job').id;
}

/** The jobs still queued of these, with whether a worker holds them and their last error. */
async function queued(jobIds: readonly string[]) {
  const { rows } = await sql<{ id: string; locked: boolean; last_error: string | null }>`
    SELECT id::text, locked_by IS NOT NULL AS locked, last_error FROM graphile_worker.jobs
    WHERE id = ANY(${jobIds}::bigint[])`.execute(server.db);
  return rows;
}

/** Whether a process logged the job's success. */
const completed = (output: string, jobId: string) =>
  output.includes(`Completed task ${jobId} (issue_invoices`);

/** Backends of this database waiting for a lock. */
async function lockWaiters(): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(server.db);
  return defined(rows[0], 'the count').n;
}

/**
 * Runs `statement` in a transaction of its own and keeps the transaction open, with the row locks
 * it took, until the returned function is called.
 */
async function holdLocks(statement: RawBuilder<unknown>): Promise<() => Promise<void>> {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let held = () => {};
  const acquired = new Promise<void>((resolve) => (held = resolve));
  const transaction = server.db.transaction().execute(async (trx) => {
    await statement.execute(trx);
    held();
    await released;
  });
  await Promise.race([acquired, transaction]);
  return async () => {
    release();
    await transaction;
  };
}

/** How many of these partners have an invoice (committed: each is one transaction). */
async function invoiced(partnerIds: readonly string[]): Promise<number> {
  const row = await server.db
    .selectFrom('invoices')
    .select((eb) => eb.fn.count<string>('partner_id').distinct().as('n'))
    .where('partner_id', 'in', partnerIds)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A scheduled run's key: the partner and the period the run opens. */
const runKey = (partnerId: string, periodStart: Date) =>
  `partner:${partnerId}:${periodStart.toISOString()}`;

/**
 * Every invoice of the operator, whoever issued it: `last_number` counts them, and their numbers
 * are exactly 1..n, each once.
 */
async function expectGapFreeNumbers(): Promise<void> {
  const issuer = await server.db
    .selectFrom('invoice_issuers')
    .select(['prefix', 'last_number'])
    .where('issuer', '=', 'operator')
    .executeTakeFirstOrThrow();
  const invoices = await server.db
    .selectFrom('invoices')
    .select('number')
    .where('issuer', '=', 'operator')
    .execute();
  const numbers = invoices
    .map((invoice) => {
      expect(invoice.number.startsWith(issuer.prefix)).toBe(true);
      return Number(invoice.number.slice(issuer.prefix.length));
    })
    .sort((a, b) => a - b);
  expect(Number(issuer.last_number)).toBe(invoices.length);
  expect(numbers).toEqual(Array.from({ length: invoices.length }, (_, i) => i + 1));
}

/**
 * Each line of these partners' invoices counts exactly the ledger entries it records, in its own
 * invoice, and every entry their billing mode bills is recorded against a line (once: an entry is
 * the primary key of `invoice_line_entries`).
 */
async function expectEveryEntryBilledOnce(partnerIds: readonly string[]): Promise<void> {
  const { rows: lines } = await sql<{
    quantity: string;
    entries: number;
    billed: string | null;
    recorded: number;
    elsewhere: number;
  }>`
    SELECT l.quantity, l.entries, sum(e.amount) AS billed, count(x.entry_id)::int AS recorded,
      count(*) FILTER (WHERE x.invoice_id <> l.invoice_id)::int AS elsewhere
    FROM invoice_lines l
    JOIN invoices i ON i.id = l.invoice_id
    LEFT JOIN invoice_line_entries x ON x.line_id = l.id
    LEFT JOIN entries e ON e.id = x.entry_id
    WHERE i.partner_id = ANY(${partnerIds}::uuid[])
    GROUP BY l.id`.execute(server.db);
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(Number(line.billed)).toBe(Number(line.quantity));
    expect(line.recorded).toBe(line.entries);
    expect(line.elsewhere).toBe(0);
  }
  const { rows: unbilled } = await sql<{ id: string }>`
    SELECT e.id FROM entries e JOIN partners p ON p.id = e.partner_id
    WHERE p.id = ANY(${partnerIds}::uuid[])
      AND CASE WHEN p.billing_mode = 'credit_pool'
        THEN e.account_kind = 'pool' AND e.type IN ('renewal', 'amendment') AND e.amount > 0
        ELSE e.account_kind = 'consumption' AND e.type IN ('decrement', 'amendment') END
      AND NOT EXISTS (SELECT 1 FROM invoice_line_entries x WHERE x.entry_id = e.id)`.execute(
    server.db,
  );
  expect(unbilled).toEqual([]);
}

/** Each partner's invoice lines as (kind, quantity, period start), in a stable order. */
async function linesByPartner(partnerIds: readonly string[]) {
  const rows = await server.db
    .selectFrom('invoice_lines as l')
    .innerJoin('invoices as i', 'i.id', 'l.invoice_id')
    .select(['i.partner_id', 'l.kind', 'l.quantity', 'l.period_start'])
    .where('i.partner_id', 'in', partnerIds)
    .where('i.status', '<>', 'void')
    .orderBy('i.partner_id')
    .orderBy('l.kind')
    .orderBy('l.period_start')
    .execute();
  const lines = new Map<string, [string, number, string][]>();
  for (const row of rows) {
    const of = lines.get(row.partner_id) ?? [];
    of.push([row.kind, Number(row.quantity), row.period_start.toISOString()]);
    lines.set(row.partner_id, of);
  }
  return lines;
}

/**
 * A boundary a few seconds from now, clear of the minute: the workers' schedule renews periods
 * at each minute (`renew_periods`, `expire_credits`), and a renewal of its own committed between
 * an issue-now request reading its clock and taking the partner's lock would leave that new
 * period's pool to the scheduled run, a second invoice. The race is between the racers this test
 * starts: the minute's tasks have run before the boundary, the next minute comes after the race.
 */
function boundaryAhead(): Date {
  const at = Date.now() + 2_000;
  const inMinute = at % MINUTE;
  if (inMinute < 3_000) return new Date(at - inMinute + 3_000);
  if (inMinute > 50_000) return new Date(at - inMinute + MINUTE + 3_000);
  return new Date(at);
}

describe('at a period boundary, two server processes with their job workers', () => {
  it('issue one invoice per partner and period between the scheduled runs and issue-now requests', async () => {
    // Each billing mode: the pool in advance; consumption in arrears, within allowance and past it.
    const partners: { id: string; expected: [string, number, string][] }[] = [];
    for (let i = 0; i < 4; i += 1) {
      const pooled = await pricedPartner(
        { name: `Pool ${i}`, billingMode: 'credit_pool', poolCredits: 300 },
        { currency: 'USD', poolUnitPrice: '0.10' },
      );
      partners.push({
        id: pooled.id,
        expected: [
          ['pool', 300, previous.start.toISOString()],
          ['pool', 300, current.start.toISOString()],
        ],
      });
      const metered = await pricedPartner(
        { name: `Usage ${i}`, billingMode: 'usage_based', poolCredits: 0 },
        { currency: 'USD', usageUnitPrice: '0.15', overageUnitPrice: '0.20' },
      );
      await consume(metered.apiKey, await organization(metered.apiKey, 'Metered', 10), 12);
      partners.push({
        id: metered.id,
        expected: [
          ['overage', 2, ''],
          ['usage', 10, ''],
        ],
      });
      const external = await pricedPartner(
        { name: `External ${i}`, billingMode: 'external', poolCredits: 0 },
        { currency: 'USD', usageUnitPrice: '0.15' },
      );
      await consume(external.apiKey, await organization(external.apiKey, 'Shop', 100), 7);
      partners.push({ id: external.id, expected: [['usage', 7, '']] });
    }
    const ids = partners.map((p) => p.id);
    // Their period (and their organizations') runs on until the boundary set below.
    const endAt = async (at: Date) => {
      await server.db
        .updateTable('partners')
        .set({ pool_period_end: at })
        .where('id', 'in', ids)
        .execute();
      await server.db
        .updateTable('organizations')
        .set({ period_end: at })
        .where('partner_id', 'in', ids)
        .execute();
    };
    await endAt(new Date(Date.now() + 60 * MINUTE));

    const poolSize = 8;
    const env = { ALLOT_WORKER: 'on', DATABASE_POOL_SIZE: String(poolSize) };
    const started = await Promise.allSettled([
      startServerProcess(server.databaseUrl, env),
      startServerProcess(server.databaseUrl, env),
    ]);
    for (const result of started)
      if (result.status === 'fulfilled') children.push(result.value.child);
    const processes = started.map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    });
    try {
      const boundary = boundaryAhead();
      await endAt(boundary);
      // Nothing commits an invoice until every racer is in: each one takes the issuer's number
      // under its row lock, which the test holds until then.
      const openGate = await holdLocks(
        sql`SELECT 1 FROM invoice_issuers WHERE issuer = 'operator' FOR UPDATE`,
      );
      let gateOpen = false;
      try {
        // The scheduled runs, due at the boundary: two per process (each runs two jobs at once).
        const jobs: string[] = [];
        for (let i = 0; i < 4; i += 1) jobs.push(await queueIssueInvoices(boundary));
        // All four under way, so both processes' workers are in (two at most each). They take
        // partners in id order: one holds the first partner at the gate, three wait for it.
        await until(
          async () =>
            (await queued(jobs)).filter((job) => job.locked).length === 4 &&
            (await lockWaiters()) >= 4,
          boundary.getTime() - Date.now() + 15_000,
        );
        expect(Date.now()).toBeGreaterThanOrEqual(boundary.getTime());
        // The operator's issue-now, for every partner, to both processes at once.
        const requests = ids.flatMap((id) =>
          processes.map(async (process) => {
            const response = await fetch(`${process.url}/operator/partners/${id}/invoices`, {
              method: 'POST',
              headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
            });
            return { id, status: response.status, body: (await response.json()) as any };
          }),
        );
        // Every database connection of both servers is in, waiting on a lock.
        await until(async () => (await lockWaiters()) >= 2 * poolSize, 15_000);
        gateOpen = true;
        await openGate();
        const responses = await Promise.all(requests);

        // Every run done, and each process ran two of them.
        await until(async () => (await queued(jobs)).every((job) => !job.locked), 15_000);
        expect(await queued(jobs)).toEqual([]);
        await until(
          () =>
            Promise.resolve(
              processes.every((p) => jobs.filter((job) => completed(p.output(), job)).length === 2),
            ),
          5_000,
        );

        const invoices = await server.db
          .selectFrom('invoices')
          .select(['id', 'partner_id', 'status'])
          .where('partner_id', 'in', ids)
          .execute();
        const runs = await server.db
          .selectFrom('invoice_runs')
          .select(['generation_key', 'invoice_id'])
          .where(
            'generation_key',
            'in',
            ids.map((id) => runKey(id, current.start)),
          )
          .execute();
        const lines = await linesByPartner(ids);
        for (const { id, expected } of partners) {
          const mine = invoices.filter((invoice) => invoice.partner_id === id);
          expect(mine, id).toHaveLength(1);
          const invoice = defined(mine[0], 'the invoice');
          expect(invoice.status).toBe('issued');
          // The run for the period it opens happened once: it issued the invoice, or found it
          // issued by a request and billed nothing.
          const run = runs.filter((r) => r.generation_key === runKey(id, current.start));
          expect(run, id).toHaveLength(1);
          const issuedNow = responses.filter((r) => r.id === id && r.status === 201);
          for (const refused of responses.filter((r) => r.id === id && r.status !== 201)) {
            expect(refused.status).toBe(422);
            expect(refused.body.error.code).toBe('nothing_to_invoice');
          }
          expect(issuedNow.length + (defined(run[0], 'the run').invoice_id ? 1 : 0), id).toBe(1);
          for (const response of issuedNow) expect(response.body.invoice.id).toBe(invoice.id);
          if (run[0]?.invoice_id) expect(run[0].invoice_id).toBe(invoice.id);
          // What the period bills, whoever issued it: usage lines print the period they cover,
          // which depends on the issuer, so only the pool's are compared.
          const got = (lines.get(id) ?? []).map(([kind, quantity, start]) =>
            [kind, quantity, kind === 'pool' ? start : ''].join(' '),
          );
          expect(got.sort(), id).toEqual(expected.map((line) => line.join(' ')).sort());
        }
        // Both kinds of racer won partners: the scheduled runs the first, which one of them held
        // at the gate; the requests those whose lock they held there while the runs waited.
        const firstId = defined([...ids].sort()[0], 'the first partner');
        const firstRun = runs.find((r) => r.generation_key === runKey(firstId, current.start));
        const firstInvoice = invoices.find((invoice) => invoice.partner_id === firstId);
        expect(defined(firstRun, 'its run').invoice_id).toBe(
          defined(firstInvoice, 'its invoice').id,
        );
        expect(responses.filter((r) => r.status === 201).length).toBeGreaterThan(0);
      } finally {
        if (!gateOpen) await openGate();
      }
      await expectGapFreeNumbers();
      await expectEveryEntryBilledOnce(ids);
      await expectBooksBalance(server.db);
    } finally {
      await Promise.all(processes.map((p) => stop(p.child, 'SIGTERM')));
    }
  }, 60_000);
});

describe('a job worker killed (SIGKILL) while issuing', () => {
  it('leaves no duplicate, no gap and no credit billed twice or missed: a fresh worker issues the rest', async () => {
    // Forty partners due their invoice at once, in arrears, some past their allowance, each with
    // a monetary credit for part of it.
    const usd = await operator('POST', '/operator/credit-types', {
      key: 'usd',
      name: 'US dollar credit',
      unit: 'cent',
      currency: 'USD',
    });
    expect([201, 409]).toContain(usd.status);
    const consumed = new Map<string, number>();
    for (let i = 0; i < 40; i += 1) {
      const metered = i % 2 === 0;
      const partner = await pricedPartner(
        {
          name: `Due ${i}`,
          billingMode: metered ? 'usage_based' : 'external',
          poolCredits: 0,
        },
        { currency: 'USD', usageUnitPrice: '0.15', overageUnitPrice: '0.20' },
      );
      let total = 0;
      for (const name of ['North', 'South']) {
        // Four credits for the metered ones, so some go past them into overage.
        const org = await organization(partner.apiKey, name, metered ? 4 : 10);
        for (const amount of [2, 1 + (i % 4)]) {
          await consume(partner.apiKey, org, amount);
          total += amount;
        }
      }
      consumed.set(partner.id, total);
      const granted = await operator('POST', `/operator/partners/${partner.id}/credits/grants`, {
        amount: 50,
        creditType: 'usd',
        reason: 'Service credit',
      });
      expect(granted.status).toBe(201);
    }
    const ids = (
      await server.db
        .selectFrom('partners')
        .select('id')
        .where('id', 'in', [...consumed.keys()])
        .orderBy('id')
        .execute()
    ).map((row) => row.id);
    const last = defined(ids.at(-1), 'the last partner');

    // The worker takes partners in id order. One consumption of the last is locked by the test
    // until the kill: its invoice cannot record that entry, so the first worker cannot finish.
    const entry = await server.db
      .selectFrom('entries')
      .select('id')
      .where('partner_id', '=', last)
      .where('account_kind', '=', 'consumption')
      .executeTakeFirstOrThrow();
    const releaseGuard = await holdLocks(
      sql`SELECT 1 FROM entries WHERE id = ${entry.id} FOR UPDATE`,
    );
    let guarded = true;
    try {
      const first = await startWorkerProcess();
      const killed = await queueIssueInvoices();
      // Mid-run: a quarter of the invoices are in, so the worker is busy with the next ones.
      await until(async () => (await invoiced(ids)) >= ids.length / 4, 20_000, 10);
      await stop(first.child, 'SIGKILL');
      expect(first.child.signalCode).toBe('SIGKILL');
      // It died in its run: the task never completed.
      expect(completed(first.output(), killed)).toBe(false);
      // The killed worker's open transaction can never commit: what is here now is all it did.
      const before = await invoiced(ids);
      expect(before).toBeGreaterThanOrEqual(ids.length / 4);
      expect(before).toBeLessThan(ids.length);
      guarded = false;
      await releaseGuard();
    } finally {
      if (guarded) await releaseGuard();
    }

    // Its job stays claimed by the dead worker; the schedule queues the next run.
    const fresh = await startWorkerProcess();
    try {
      const next = await queueIssueInvoices();
      await until(async () => (await invoiced(ids)) === ids.length, 30_000);
      await until(async () => (await queued([next])).length === 0, 15_000);
      await until(() => Promise.resolve(completed(fresh.output(), next)), 5_000);
    } finally {
      await stop(fresh.child, 'SIGTERM');
    }

    const invoices = await server.db
      .selectFrom('invoices')
      .select(['id', 'partner_id', 'status', 'period_start', 'period_end'])
      .where('partner_id', 'in', ids)
      .execute();
    const runs = await server.db
      .selectFrom('invoice_runs')
      .select(['generation_key', 'invoice_id'])
      .where(
        'generation_key',
        'in',
        ids.map((id) => runKey(id, current.start)),
      )
      .execute();
    const lines = await server.db
      .selectFrom('invoice_lines as l')
      .innerJoin('invoices as i', 'i.id', 'l.invoice_id')
      .select(['i.partner_id', 'l.quantity'])
      .where('i.partner_id', 'in', ids)
      .where('i.status', '<>', 'void')
      .execute();
    for (const id of ids) {
      const mine = invoices.filter((invoice) => invoice.partner_id === id);
      expect(mine, id).toHaveLength(1);
      const invoice = defined(mine[0], 'the invoice');
      expect(invoice).toMatchObject({
        status: 'issued',
        period_start: previous.start,
        period_end: previous.end,
      });
      expect(runs.filter((run) => run.generation_key === runKey(id, current.start))).toEqual([
        { generation_key: runKey(id, current.start), invoice_id: invoice.id },
      ]);
      const billed = lines
        .filter((line) => line.partner_id === id)
        .reduce((sum, line) => sum + Number(line.quantity), 0);
      expect(billed, id).toBe(consumed.get(id));
    }
    // The credits were applied once, by the invoice that committed: its 50 cents on the invoice,
    // in the applied account, and out of the wallet.
    const wallets = await server.db
      .selectFrom('accounts')
      .select(['partner_id', 'kind', 'balance'])
      .where('partner_id', 'in', ids)
      .where('credit_type', '=', 'usd')
      .where('kind', 'in', ['wallet', 'applied'])
      .execute();
    const applications = await server.db
      .selectFrom('invoice_credit_applications as c')
      .innerJoin('invoices as i', 'i.id', 'c.invoice_id')
      .select(['i.partner_id', 'c.credits', 'i.credits_applied'])
      .where('i.partner_id', 'in', ids)
      .execute();
    for (const id of ids) {
      const balance = (kind: string) =>
        wallets.find((a) => a.partner_id === id && a.kind === kind)?.balance;
      expect([balance('wallet'), balance('applied')], id).toEqual([0, 50]);
      expect(
        applications
          .filter((a) => a.partner_id === id)
          .map((a) => [Number(a.credits), a.credits_applied]),
      ).toEqual([[50, '0.50']]);
    }
    await expectGapFreeNumbers();
    await expectEveryEntryBilledOnce(ids);
    await expectBooksBalance(server.db);
  }, 60_000);
});
