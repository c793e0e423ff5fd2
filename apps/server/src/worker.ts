import { services, type Clock } from '@allot/api';
import { createPool, type Db } from '@allot/db';
import { run, type Runner, type TaskList } from 'graphile-worker';
import { listen } from './listen.ts';
import { webhookJobs, WEBHOOKS_CRONTAB, type WebhookWorkerOptions } from './webhook-jobs.ts';

/**
 * Background work on graphile-worker (a PostgreSQL job queue: several workers are safe, jobs
 * survive a restart). Renewal, expiry and the forgetting tasks are not needed for correctness
 * (every read and write renews what it touches first); they keep the first request of a period
 * fast and the tables tidy. Auto top-ups, webhook delivery and usage batches happen only here.
 * Every task is idempotent: run twice, or killed halfway and retried, it leaves the state one clean
 * run leaves.
 */
export function taskList(db: Db, clock: Clock): TaskList {
  return {
    /** Renews every pool and organization period that has ended. */
    renew_periods: async () => {
      await services.renewDuePeriods(db, clock());
    },
    /** Writes down the expiration of credits that lapsed (they were unspendable already). */
    expire_credits: async () => {
      // In batches, so one run never holds a long transaction; the next run takes the rest.
      await services.expireDueCredits(db, clock());
    },
    /** Forgets request idempotency keys past their window. */
    forget_idempotency_keys: async () => {
      await services.forgetIdempotencyKeys(db, clock());
    },
    /**
     * Issues the invoices of partners whose period has ended, then the partners' invoices to
     * organizations whose period has begun (each run once, ever).
     */
    issue_invoices: async () => {
      await services.issueDueInvoices(db, clock());
      await services.issueDueClientInvoices(db, clock());
    },
    /**
     * Tells partners of unpaid invoices past their due date, theirs (`invoice.overdue`) and their
     * clients' (`client_invoice.overdue`), once each.
     */
    flag_overdue_invoices: async () => {
      await services.flagOverdueInvoices(db, clock());
    },
    /** Forgets the charge guards' counters of windows that have ended. */
    forget_charge_windows: async () => {
      await services.forgetChargeWindows(db, clock());
    },
    /** Applies the auto top-ups whose thresholds were crossed (each exactly once). */
    apply_auto_top_ups: async () => {
      await services.applyAutoTopUps(db, clock);
    },
    /** Emits `usage.recorded`, one batch per organization and minute with identifications. */
    record_usage: async () => {
      await services.recordUsage(db, clock());
    },
    /** Deletes admin app sessions that have ended (signed-out ones are deleted at once). */
    forget_sessions: async () => {
      await services.forgetEndedSessions(db, clock());
    },
  };
}

/** When each task runs: minute by minute, so a period start is renewed within a minute. */
export const CRONTAB = [
  '* * * * * renew_periods ?max=1',
  '*/5 * * * * expire_credits ?max=1',
  '17 * * * * forget_idempotency_keys ?max=1',
  '47 * * * * forget_sessions ?max=1',
  '7 * * * * forget_charge_windows ?max=1',
  // A backstop: a crossing also wakes apply_auto_top_ups at once (see startWorker).
  '* * * * * apply_auto_top_ups ?max=1',
  '* * * * * record_usage ?max=1',
  // After renew_periods has had its minute: renewal is also done by the run itself if due.
  '* * * * * issue_invoices ?max=1',
  '*/5 * * * * flag_overdue_invoices ?max=1',
  WEBHOOKS_CRONTAB,
].join('\n');

export interface WorkerOptions {
  db: Db;
  /** The database's connection string: the worker holds connections of its own. */
  databaseUrl: string;
  clock?: Clock;
  concurrency?: number;
  /** The schedule; defaults to CRONTAB. */
  crontab?: string;
  /** Webhook delivery: network policy, retry schedule, timeout (see webhook-jobs.ts). */
  webhooks?: WebhookWorkerOptions;
}

export interface Worker {
  runner: Runner;
  /** Stops taking jobs, waits for the running ones, then closes the worker's connections. */
  stop: () => Promise<void>;
}

export async function startWorker(options: WorkerOptions): Promise<Worker> {
  const concurrency = options.concurrency ?? 2;
  // The worker's own pool: a connection the server ends (a restart, a failover) is replaced
  // instead of ending the process.
  const pool = createPool({
    url: options.databaseUrl,
    max: concurrency + 2,
    onConnectionError: (error) =>
      console.error('job worker: PostgreSQL connection lost:', error.message),
  });
  const webhookWork = webhookJobs(options.databaseUrl, options.webhooks);
  const runner = await run({
    pgPool: pool,
    concurrency,
    noHandleSignals: true,
    pollInterval: 1_000,
    taskList: {
      ...taskList(options.db, options.clock ?? (() => new Date())),
      ...webhookWork.tasks,
    },
    crontab: options.crontab ?? CRONTAB,
  });
  webhookWork.start(runner);
  // A threshold crossing NOTIFYs at commit: the top-up is applied within a second, not at the
  // next cron minute. One pending job at most (its key); the cron entry is the backstop.
  const topUps = listen(options.databaseUrl, 'allot_auto_top_ups', () => {
    runner
      .addJob(
        'apply_auto_top_ups',
        {},
        { jobKey: 'apply_auto_top_ups', jobKeyMode: 'preserve_run_at' },
      )
      .catch((error: Error) =>
        console.error('job worker: cannot queue auto top-ups:', error.message),
      );
  });
  return {
    runner,
    stop: async () => {
      await topUps.close();
      await webhookWork.stop();
      await runner.stop();
      await pool.end();
    },
  };
}
