import { webhooks } from '@allot/api';
import { DEFAULT_WEBHOOK_RETRY_SCHEDULE, DEFAULT_WEBHOOK_TIMEOUT_MS } from '@allot/domain';
import { createDb } from '@allot/db';
import type { Runner, TaskList } from 'graphile-worker';
import type { Config } from './config.ts';
import { listen, type Listener } from './listen.ts';

export interface WebhookWorkerOptions {
  /** `ALLOT_ALLOW_HTTP_WEBHOOKS`: http to localhost and private addresses (development, tests). */
  allowHttpWebhooks?: boolean;
  /** `ALLOT_WEBHOOK_RETRY_SCHEDULE`: the delay before each attempt, in ms, starting with 0. */
  retrySchedule?: readonly number[];
  /** `ALLOT_WEBHOOK_TIMEOUT_MS`: per attempt; claims last six times as long. */
  timeoutMs?: number;
  /** Attempts under way at once in this process. */
  concurrency?: number;
}

/** The worker's webhook options from the configuration. */
export const webhookOptions = (config: Config): WebhookWorkerOptions => ({
  allowHttpWebhooks: config.allowHttpWebhooks,
  retrySchedule: config.webhookRetrySchedule,
  timeoutMs: config.webhookTimeoutMs,
});

/**
 * The dispatcher's own connections, with `synchronous_commit` off: they write claims and
 * outcomes, whose loss in a database crash (the last instants before it) costs at most a
 * duplicate delivery, which at-least-once allows. Not waiting for each commit's disk flush made
 * delivery about a third faster when measured. Events and their deliveries are written by the
 * emitting transaction, with the database's own setting.
 */
export function bookkeepingUrl(databaseUrl: string) {
  const url = new URL(databaseUrl);
  const options = url.searchParams.get('options');
  url.searchParams.set('options', `${options ? `${options} ` : ''}-c synchronous_commit=off`);
  return url.toString();
}

export const DELIVER_WEBHOOKS = 'deliver_webhooks';

/** A backstop for a lost notification or a claim whose worker died; normally a no-op. */
export const WEBHOOKS_CRONTAB = `* * * * * ${DELIVER_WEBHOOKS} ?max=1`;

/**
 * Webhook delivery in the job worker. `deliver_webhooks` drains the due deliveries, then
 * schedules itself for when the next falls due; there is at most one such pending job (its
 * `jobKey`), and `preserve_run_at` keeps an earlier run that a notification asked for. The fan-out
 * trigger's NOTIFY adds the job at once, so a new event goes out within about a second.
 */
export function webhookJobs(databaseUrl: string, options: WebhookWorkerOptions = {}) {
  const db = createDb({ url: bookkeepingUrl(databaseUrl), max: 4 });
  const dispatcher = webhooks.createDispatcher(db, {
    allowHttpWebhooks: options.allowHttpWebhooks ?? false,
    schedule: options.retrySchedule ?? DEFAULT_WEBHOOK_RETRY_SCHEDULE,
    timeoutMs: options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS,
    concurrency: options.concurrency ?? 16,
  });
  let listener: Listener | null = null;
  let wake = () => {};
  // graphile-worker polls every second for jobs that came due; a retry due within minutes is
  // also woken by a timer in this process, so it goes out on time rather than on the next poll. The scheduled job stays the durable
  // record: it survives a restart, and another worker process runs it if this one is gone.
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  const wakeAt = (at: Date) => {
    // Far-off retries (minutes to hours) are left to the scheduled job alone.
    if (at.getTime() >= timerAt || at.getTime() - Date.now() > 10 * 60_000) return;
    clearTimeout(timer);
    timerAt = at.getTime();
    timer = setTimeout(
      () => {
        timerAt = Infinity;
        wake();
      },
      Math.max(0, timerAt - Date.now()),
    );
    timer.unref();
  };

  const tasks: TaskList = {
    [DELIVER_WEBHOOKS]: async (_payload, helpers) => {
      const drained = await dispatcher.drain();
      if (!drained?.nextDueAt) return;
      wakeAt(drained.nextDueAt);
      await helpers.addJob(
        DELIVER_WEBHOOKS,
        {},
        { jobKey: DELIVER_WEBHOOKS, jobKeyMode: 'preserve_run_at', runAt: drained.nextDueAt },
      );
    },
  };

  /** Listens for new deliveries; its first connection also runs a drain, for a restart's backlog. */
  function start(runner: Runner) {
    // Notifications come in bursts (one per committed event); one addJob at a time is enough.
    let adding = false;
    let pending = false;
    wake = () => {
      if (adding) {
        pending = true;
        return;
      }
      adding = true;
      runner
        .addJob(DELIVER_WEBHOOKS, {}, { jobKey: DELIVER_WEBHOOKS, jobKeyMode: 'replace' })
        .catch((error: unknown) => console.error('deliver_webhooks: cannot queue:', error))
        .finally(() => {
          adding = false;
          if (pending) {
            pending = false;
            wake();
          }
        });
    };
    listener = listen(databaseUrl, webhooks.WEBHOOK_CHANNEL, wake);
  }

  return {
    tasks,
    start,
    /** Stops claiming and listening; attempts under way finish and are recorded. */
    stop: async () => {
      clearTimeout(timer);
      wake = () => {};
      await listener?.close();
      await dispatcher.stop();
      await db.destroy();
    },
  };
}
