import { sql } from 'kysely';
import type { Db, Tx, WebhookDeliveryStatus } from '@allot/db';
import { defined, type ListWebhookDeliveriesInput, type WebhookDelivery } from '@allot/domain';
import { notFound } from '../../errors.ts';
import { endpointDisabled, requireEndpoint } from './access.ts';

/** The channel the job worker listens on; the fan-out trigger notifies it too. */
export const WEBHOOK_CHANNEL = 'allot_webhooks';

/** Wakes the job worker when this transaction commits (NOTIFY is transactional). */
export async function notifyDispatcher(trx: Tx) {
  await sql`SELECT pg_notify(${WEBHOOK_CHANNEL}, '')`.execute(trx);
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  next_attempt_at: Date | null;
  last_status_code: number | null;
  failure_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

function deliveries(db: Db | Tx, endpointId: string) {
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('events as e', 'e.id', 'd.event_id')
    .select([
      'd.id',
      'd.endpoint_id',
      'd.event_id',
      'e.type as event_type',
      'd.status',
      'd.attempts',
      'd.next_attempt_at',
      'd.last_status_code',
      'd.failure_reason',
      'd.created_at',
      'd.updated_at',
    ])
    .where('d.endpoint_id', '=', endpointId);
}

/** The deliveries with every attempt each made, oldest attempt first. */
async function withAttempts(db: Db | Tx, rows: DeliveryRow[]): Promise<WebhookDelivery[]> {
  const attempts =
    rows.length === 0
      ? []
      : await db
          .selectFrom('webhook_attempts')
          .selectAll()
          .where(
            'delivery_id',
            'in',
            rows.map((row) => row.id),
          )
          .orderBy('attempted_at')
          .orderBy('id')
          .execute();
  const byDelivery = new Map<string, typeof attempts>();
  for (const attempt of attempts) {
    const list = byDelivery.get(attempt.delivery_id);
    if (list) list.push(attempt);
    else byDelivery.set(attempt.delivery_id, [attempt]);
  }
  return rows.map((row) => ({
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attempts: row.attempts,
    // A parked delivery ('infinity') has no next attempt until its endpoint is enabled.
    nextAttemptAt:
      row.next_attempt_at && Number.isFinite(row.next_attempt_at.getTime())
        ? row.next_attempt_at.toISOString()
        : null,
    lastStatusCode: row.last_status_code,
    failureReason: row.failure_reason,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    attemptLog: (byDelivery.get(row.id) ?? []).map((attempt) => ({
      attemptedAt: attempt.attempted_at.toISOString(),
      statusCode: attempt.status_code,
      latencyMs: attempt.latency_ms,
      error: attempt.error,
      responseExcerpt: attempt.response_excerpt,
    })),
  }));
}

export async function deliveryById(db: Db | Tx, endpointId: string, deliveryId: string) {
  const row = await deliveries(db, endpointId).where('d.id', '=', deliveryId).executeTakeFirst();
  if (!row) throw notFound('Webhook delivery');
  const [delivery] = await withAttempts(db, [row]);
  return defined(delivery, 'the delivery with its attempts');
}

/** An endpoint's delivery log, newest first, by cursor (the last delivery of the page before). */
export async function listWebhookDeliveries(
  db: Db | Tx,
  partnerId: string,
  input: ListWebhookDeliveriesInput,
) {
  await requireEndpoint(db, partnerId, input.endpointId);
  let query = deliveries(db, input.endpointId);
  if (input.status) query = query.where('d.status', '=', input.status);
  if (input.cursor)
    query = query.where(
      sql<boolean>`(d.created_at, d.id) < (
        SELECT created_at, id FROM webhook_deliveries
        WHERE id = ${input.cursor} AND endpoint_id = ${input.endpointId})`,
    );
  const rows = await query
    .orderBy('d.created_at', 'desc')
    .orderBy('d.id', 'desc')
    .limit(input.limit + 1)
    .execute();
  const page = rows.slice(0, input.limit);
  return {
    deliveries: await withAttempts(db, page),
    nextCursor:
      rows.length > input.limit ? defined(page.at(-1), "the page's last delivery").id : null,
  };
}

/**
 * Sends a delivery again, whatever its state, with a fresh schedule and the same webhook-id.
 * This is the only way an event a receiver acknowledged reaches it again.
 */
export async function retryWebhookDelivery(
  trx: Tx,
  partnerId: string,
  input: { endpointId: string; deliveryId: string },
) {
  const endpoint = await requireEndpoint(trx, partnerId, input.endpointId, 'share');
  if (!endpoint.enabled) throw endpointDisabled();
  const row = await trx
    .updateTable('webhook_deliveries')
    .set({
      status: 'pending',
      attempts: 0,
      next_attempt_at: sql<Date>`now()`,
      lease_until: null,
      failure_reason: null,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', input.deliveryId)
    .where('endpoint_id', '=', input.endpointId)
    .returning('id')
    .executeTakeFirst();
  if (!row) throw notFound('Webhook delivery');
  await notifyDispatcher(trx);
  return { delivery: await deliveryById(trx, input.endpointId, input.deliveryId) };
}
