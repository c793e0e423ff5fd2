import { sql } from 'kysely';
import type { Db } from '@allot/db';
import { EVENT_VERSION } from '@allot/domain';
import { attemptDelivery } from './deliver.ts';
import { createOutcomeRecorder, type ClaimedDelivery } from './outcome.ts';
import type { RetrySchedule } from './schedule.ts';
import type { Resolve, WebhookNetworkPolicy } from './ssrf.ts';

export interface DispatchOptions extends WebhookNetworkPolicy {
  schedule: RetrySchedule;
  /** Per attempt, from DNS to the response excerpt. */
  timeoutMs: number;
  /** Attempts under way at once, across all endpoints. */
  concurrency: number;
  /** A drain stops claiming after this long, so a job never runs for hours under load. */
  maxDrainMs?: number;
  resolve?: Resolve;
  log?: Pick<Console, 'error'>;
}

/**
 * How long a claim lasts: six times the attempt's timeout, so the request is long over (and its
 * outcome written) before anyone else may take the delivery, and a worker killed mid-attempt
 * holds it for a minute at most with the default timeout.
 */
export const leaseMs = (timeoutMs: number) => Math.max(6 * timeoutMs, 1_000);

interface ClaimRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  attempts: number;
  lease: string;
  url: string;
  secret: string;
  type: string;
  data: unknown;
  partner_id: string;
  created_at: Date;
}

/**
 * Claims up to `limit` due deliveries of enabled endpoints. SKIP LOCKED lets concurrent workers
 * claim disjoint sets; the lease moves `next_attempt_at` to its own end, so a claimed delivery
 * is not due again until the lease lapses (its worker died) or the outcome reschedules it.
 */
export async function claimDueDeliveries(
  db: Db,
  limit: number,
  lease: number,
): Promise<ClaimedDelivery[]> {
  const { rows } = await sql<ClaimRow>`
    WITH due AS (
      SELECT d.id FROM webhook_deliveries d
      JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.enabled
      WHERE d.status = 'pending' AND d.next_attempt_at <= now()
        AND (d.lease_until IS NULL OR d.lease_until < now())
      ORDER BY d.next_attempt_at
      LIMIT ${limit}
      FOR UPDATE OF d SKIP LOCKED
    ), claimed AS (
      UPDATE webhook_deliveries d
      SET lease_until = now() + ${lease} * interval '1 millisecond',
        next_attempt_at = now() + ${lease} * interval '1 millisecond'
      FROM due WHERE d.id = due.id
      RETURNING d.id, d.endpoint_id, d.event_id, d.attempts, d.lease_until
    )
    SELECT c.id, c.endpoint_id, c.event_id, c.attempts, c.lease_until::text AS lease,
      w.url, w.secret, e.type, e.data, e.partner_id, e.created_at
    FROM claimed c
    JOIN webhook_endpoints w ON w.id = c.endpoint_id
    JOIN events e ON e.id = c.event_id`.execute(db);
  return rows.map((row) => ({
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    attempts: row.attempts,
    lease: row.lease,
    url: row.url,
    secret: row.secret,
    // The envelope of eventEnvelopeSchema in domain/events.ts.
    body: JSON.stringify({
      id: row.event_id,
      type: row.type,
      version: EVENT_VERSION,
      timestamp: row.created_at.toISOString(),
      partnerId: row.partner_id,
      data: row.data,
    }),
  }));
}

/**
 * When the next pending delivery falls due (a claimed one: when its lease lapses), if any. Only
 * enabled endpoints count, as in the claim: a delivery that slipped past its endpoint's disabling
 * (the fan-out raced it) must not keep the job rescheduling itself for a claim that never comes.
 */
export async function nextDueAt(db: Db): Promise<Date | null> {
  const row = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as w', 'w.id', 'd.endpoint_id')
    .select('d.next_attempt_at')
    .where('d.status', '=', 'pending')
    .where('d.next_attempt_at', '<', sql<Date>`'infinity'`)
    .where('w.enabled', '=', true)
    .orderBy('d.next_attempt_at')
    .limit(1)
    .executeTakeFirst();
  return row?.next_attempt_at ?? null;
}

export interface Dispatcher {
  /**
   * Sends every due delivery, `concurrency` at a time, until none is due; then answers when the
   * next one falls due. A call while a drain runs only asks that drain to look once more.
   */
  drain: () => Promise<{ nextDueAt: Date | null } | null>;
  /** Stops claiming and waits for the attempts under way. */
  stop: () => Promise<void>;
}

export function createDispatcher(db: Db, options: DispatchOptions): Dispatcher {
  const lease = leaseMs(options.timeoutMs);
  const log = options.log ?? console;
  let running: Promise<{ nextDueAt: Date | null }> | null = null;
  let again = false;
  let stopping = false;
  const outcomes = createOutcomeRecorder(db, options.schedule);

  /** Outcomes not yet written: a slot is free once its request is done, not its write. */
  const recording = new Set<Promise<void>>();

  async function send(delivery: ClaimedDelivery) {
    const result = await attemptDelivery(delivery, options);
    const write: Promise<void> = outcomes
      .record(delivery, result)
      .catch((error: unknown) =>
        log.error(`webhook delivery ${delivery.id}: the outcome was not recorded:`, error),
      )
      .finally(() => recording.delete(write));
    recording.add(write);
  }

  async function drainOnce(deadline: number) {
    const inFlight = new Set<Promise<void>>();
    for (;;) {
      // Backpressure: never more than a few batches of outcomes waiting for the database.
      while (outcomes.writing > 4) await outcomes.oneWritten();
      const free = options.concurrency - inFlight.size;
      // Claims are taken a quarter of the slots at a time: one round trip per few deliveries.
      const batch = inFlight.size === 0 ? 1 : Math.ceil(options.concurrency / 4);
      if (free >= batch && !stopping && Date.now() < deadline) {
        const claimed = await claimDueDeliveries(db, free, lease);
        for (const delivery of claimed) {
          const attempt: Promise<void> = send(delivery)
            .catch((error: unknown) => log.error(`webhook delivery ${delivery.id}:`, error))
            .finally(() => inFlight.delete(attempt));
          inFlight.add(attempt);
        }
        if (claimed.length > 0) continue;
      }
      if (inFlight.size === 0) break;
      await Promise.race(inFlight);
    }
    await Promise.all(recording);
  }

  async function run() {
    const deadline = Date.now() + (options.maxDrainMs ?? 60_000);
    const more = () => again && !stopping;
    try {
      for (;;) {
        again = false;
        await drainOnce(deadline);
        if (more() && Date.now() < deadline) continue;
        const next = await nextDueAt(db);
        // Asked again while reading it: the new work may be newer than what was read.
        if (more()) {
          if (Date.now() < deadline) continue;
          return { nextDueAt: new Date() };
        }
        return { nextDueAt: next };
      }
    } finally {
      running = null;
    }
  }

  return {
    drain: async () => {
      if (stopping) return null;
      if (running) {
        again = true;
        return null;
      }
      running = run();
      return running;
    },
    stop: async () => {
      stopping = true;
      await running?.catch(() => {});
    },
  };
}
