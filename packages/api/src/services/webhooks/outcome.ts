import { sql } from 'kysely';
import { inTransaction, type Db } from '@allot/db';
import { newId } from '../../ids.ts';
import { succeeded, type AttemptResult } from './deliver.ts';
import { retryDelay, type RetrySchedule } from './schedule.ts';

/** A delivery a worker holds: what it needs to send it, and the lease that proves it holds it. */
export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  /** Attempts made before this one, in the current round. */
  attempts: number;
  /** `lease_until` as PostgreSQL wrote it (text keeps its microseconds): the claim's token. */
  lease: string;
  url: string;
  secret: string;
  body: string;
}

/**
 * `last_success_at` is written at most this often. Every success would otherwise update the
 * endpoint's row, and concurrent deliveries to one endpoint would queue on its lock.
 */
const SUCCESS_MARK_INTERVAL = "interval '10 seconds'";

function insertAttempt(delivery: ClaimedDelivery, result: AttemptResult) {
  return sql`
    INSERT INTO webhook_attempts
      (id, delivery_id, attempted_at, status_code, latency_ms, error, response_excerpt)
    VALUES (${newId()}, ${delivery.id}, ${result.attemptedAt}, ${result.statusCode},
      ${result.latencyMs}, ${result.error}, ${result.responseExcerpt})`;
}

const summary = (result: AttemptResult) =>
  result.statusCode !== null ? `HTTP ${result.statusCode}` : (result.error ?? 'no response');

/**
 * Records an attempt and moves its delivery on. A success always wins: the delivery is done,
 * even if this worker's lease had lapsed meanwhile. A failure moves the delivery only while
 * this worker still holds it (a manual retry or another worker may have taken it over): to its
 * next attempt, or, with the schedule exhausted, to `failed`, which may disable the endpoint.
 */
export async function recordOutcome(
  db: Db,
  delivery: ClaimedDelivery,
  result: AttemptResult,
  schedule: RetrySchedule,
): Promise<void> {
  try {
    if (succeeded(result)) {
      await sql`
        WITH attempt AS (${insertAttempt(delivery, result)}),
        done AS (
          UPDATE webhook_deliveries
          SET status = 'succeeded', attempts = attempts + 1, next_attempt_at = NULL,
            lease_until = NULL, last_status_code = ${result.statusCode}, failure_reason = NULL,
            updated_at = now()
          WHERE id = ${delivery.id} AND status = 'pending')
        UPDATE webhook_endpoints SET last_success_at = now()
        WHERE id = ${delivery.endpointId}
          AND (last_success_at IS NULL OR last_success_at < now() - ${sql.raw(SUCCESS_MARK_INTERVAL)})
      `.execute(db);
      return;
    }
    const attempts = delivery.attempts + 1;
    const delay = retryDelay(schedule, attempts);
    if (delay !== null) {
      // A disabled endpoint's deliveries stay parked until it is enabled again.
      await sql`
        WITH attempt AS (${insertAttempt(delivery, result)})
        UPDATE webhook_deliveries d
        SET attempts = ${attempts}, lease_until = NULL, last_status_code = ${result.statusCode},
          updated_at = now(),
          next_attempt_at = CASE
            WHEN (SELECT enabled FROM webhook_endpoints WHERE id = d.endpoint_id)
            THEN now() + ${delay} * interval '1 millisecond'
            ELSE 'infinity' END
        WHERE id = ${delivery.id} AND status = 'pending' AND lease_until = ${delivery.lease}::timestamptz
      `.execute(db);
      return;
    }
    await fail(db, delivery, result, attempts);
  } catch (error) {
    // The endpoint was deleted while the attempt was under way: nothing is left to record.
    if ((error as { code?: string }).code === '23503') return;
    throw error;
  }
}

interface Pending {
  delivery: ClaimedDelivery;
  result: AttemptResult;
  done: () => void;
  failed: (error: unknown) => void;
}

/**
 * Records outcomes like `recordOutcome`, writing successes in batches: a batch's attempts, its
 * deliveries and its endpoints' `last_success_at` in one statement, instead of a round trip and a
 * commit for each. Failures need a row's own schedule and are written one by one. Each `record`
 * resolves once its outcome is written. A delivery stays claimed until then, so nobody else
 * takes it meanwhile.
 */
export function createOutcomeRecorder(
  db: Db,
  schedule: RetrySchedule,
  { batchSize = 16, delayMs = 5 } = {},
) {
  let batch: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  const writes = new Set<Promise<void>>();

  function flush() {
    clearTimeout(timer);
    timer = undefined;
    const items = batch;
    batch = [];
    if (items.length === 0) return;
    const write = writeSuccesses(db, items, schedule)
      .then(
        () => items.forEach((item) => item.done()),
        (error: unknown) => items.forEach((item) => item.failed(error)),
      )
      .finally(() => writes.delete(write));
    writes.add(write);
  }

  return {
    record(delivery: ClaimedDelivery, result: AttemptResult): Promise<void> {
      if (!succeeded(result)) return recordOutcome(db, delivery, result, schedule);
      return new Promise<void>((done, failed) => {
        batch.push({ delivery, result, done, failed });
        if (batch.length >= batchSize) flush();
        else timer ??= setTimeout(flush, delayMs);
      });
    },
    /** Batch writes under way; a caller that sends faster than they finish waits on them. */
    get writing() {
      return writes.size;
    },
    async oneWritten() {
      await Promise.race(writes);
    },
  };
}

async function writeSuccesses(db: Db, items: Pending[], schedule: RetrySchedule) {
  const rows = items.map(({ delivery, result }) => ({
    id: newId(),
    delivery_id: delivery.id,
    endpoint_id: delivery.endpointId,
    attempted_at: result.attemptedAt.toISOString(),
    status_code: result.statusCode,
    latency_ms: result.latencyMs,
    response_excerpt: result.responseExcerpt,
  }));
  try {
    await sql`
      WITH input AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(id uuid,
          delivery_id uuid, endpoint_id uuid, attempted_at timestamptz, status_code integer,
          latency_ms integer, response_excerpt text)),
      attempt AS (
        INSERT INTO webhook_attempts
          (id, delivery_id, attempted_at, status_code, latency_ms, response_excerpt)
        SELECT id, delivery_id, attempted_at, status_code, latency_ms, response_excerpt FROM input),
      done AS (
        UPDATE webhook_deliveries d
        SET status = 'succeeded', attempts = d.attempts + 1, next_attempt_at = NULL,
          lease_until = NULL, last_status_code = input.status_code, failure_reason = NULL,
          updated_at = now()
        FROM input WHERE d.id = input.delivery_id AND d.status = 'pending')
      UPDATE webhook_endpoints SET last_success_at = now()
      WHERE id IN (SELECT endpoint_id FROM input)
        AND (last_success_at IS NULL OR last_success_at < now() - ${sql.raw(SUCCESS_MARK_INTERVAL)})
    `.execute(db);
  } catch (error) {
    // An endpoint of the batch was deleted meanwhile: write the others one by one.
    if ((error as { code?: string }).code !== '23503') throw error;
    for (const { delivery, result } of items) await recordOutcome(db, delivery, result, schedule);
  }
}

/**
 * The last attempt failed. The endpoint is disabled when nothing sent to it succeeded since this
 * delivery's first attempt of the round: a whole schedule (about a day by default) of failure
 * with no sign of life. The reason goes on the endpoint and on the delivery.
 */
async function fail(db: Db, delivery: ClaimedDelivery, result: AttemptResult, attempts: number) {
  await inTransaction(db, async (trx) => {
    await insertAttempt(delivery, result).execute(trx);
    const reason = `All ${attempts} attempts failed; the last: ${summary(result)}`;
    const failed = await sql<{ id: string }>`
      UPDATE webhook_deliveries
      SET status = 'failed', attempts = ${attempts}, next_attempt_at = NULL, lease_until = NULL,
        last_status_code = ${result.statusCode}, failure_reason = ${reason}, updated_at = now()
      WHERE id = ${delivery.id} AND status = 'pending' AND lease_until = ${delivery.lease}::timestamptz
      RETURNING id`.execute(trx);
    if (failed.rows.length === 0) return;

    // The round began with the oldest of its `attempts` attempts (a manual retry starts a round).
    const disabled = await sql<{ id: string }>`
      WITH round AS (
        SELECT attempted_at AS began FROM webhook_attempts WHERE delivery_id = ${delivery.id}
        ORDER BY attempted_at DESC OFFSET ${attempts - 1} LIMIT 1)
      UPDATE webhook_endpoints
      SET enabled = false, updated_at = now(),
        disabled_reason = 'Disabled automatically at ' || to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
          || ': delivery ' || ${delivery.id} || ' (event ' || ${delivery.eventId} || ') failed all '
          || ${attempts} || ' attempts since '
          || to_char((SELECT began FROM round) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
          || ' and no delivery to this endpoint succeeded meanwhile. Enabling it again resumes its pending deliveries.'
      WHERE id = ${delivery.endpointId} AND enabled
        AND (last_success_at IS NULL
          OR last_success_at < (SELECT began FROM round) - ${sql.raw(SUCCESS_MARK_INTERVAL)})
      RETURNING id`.execute(trx);
    if (disabled.rows.length === 0) return;
    await sql`
      UPDATE webhook_deliveries
      SET failure_reason = failure_reason || '. The endpoint was disabled: nothing sent to it succeeded since this delivery began.'
      WHERE id = ${delivery.id}`.execute(trx);
    await sql`
      UPDATE webhook_deliveries SET next_attempt_at = 'infinity', updated_at = now()
      WHERE endpoint_id = ${delivery.endpointId} AND status = 'pending'`.execute(trx);
  });
}
