import { sql, type Selectable } from 'kysely';
import type { Db, Tx, WebhookEndpointsTable } from '@allot/db';
import {
  MAX_WEBHOOK_ENDPOINTS,
  TEST_EVENT_TYPE,
  pageFields,
  pageOffset,
  type CreateWebhookEndpointInput,
  type UpdateWebhookEndpointInput,
  type WebhookEndpoint,
} from '@allot/domain';
import { notFound, refused } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { endpointDisabled, requireEndpoint } from './access.ts';
import { deliveryById, notifyDispatcher } from './deliveries.ts';
import { newWebhookSecret } from './sign.ts';
import { checkWebhookTarget, type WebhookNetworkPolicy } from './ssrf.ts';

type EndpointRow = Selectable<WebhookEndpointsTable>;

const toEndpoint = (row: EndpointRow): WebhookEndpoint => ({
  id: row.id,
  url: row.url,
  description: row.description,
  eventTypes: row.event_types,
  enabled: row.enabled,
  disabledReason: row.disabled_reason,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

async function assertReachable(url: string, policy: WebhookNetworkPolicy) {
  const check = await checkWebhookTarget(url, policy);
  if (!check.ok) throw refused({ code: check.code, message: check.message });
}

export async function listWebhookEndpoints(
  db: Db | Tx,
  partnerId: string,
  input: { page: number; pageSize: number },
) {
  const all = db.selectFrom('webhook_endpoints').where('partner_id', '=', partnerId);
  const [rows, count] = await Promise.all([
    all
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .limit(input.pageSize)
      .offset(pageOffset(input))
      .execute(),
    all.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return {
    endpoints: rows.map(toEndpoint),
    ...pageFields(input, count.total),
  };
}

export async function getWebhookEndpoint(db: Db | Tx, partnerId: string, endpointId: string) {
  return { endpoint: toEndpoint(await requireEndpoint(db, partnerId, endpointId)) };
}

export async function createWebhookEndpoint(
  trx: Tx,
  partnerId: string,
  input: CreateWebhookEndpointInput,
  policy: WebhookNetworkPolicy,
  now: Date,
) {
  await assertReachable(input.url, policy);
  // Serialises one partner's creations, so the count below holds.
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`webhooks\n${partnerId}`}, 0))`.execute(
    trx,
  );
  const { total } = await trx
    .selectFrom('webhook_endpoints')
    .select((eb) => eb.fn.countAll<string>().as('total'))
    .where('partner_id', '=', partnerId)
    .executeTakeFirstOrThrow();
  if (Number(total) >= MAX_WEBHOOK_ENDPOINTS)
    throw refused({
      code: 'webhook_endpoint_limit',
      message: `A partner has at most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints`,
    });
  const secret = newWebhookSecret();
  const row = await trx
    .insertInto('webhook_endpoints')
    .values({
      id: newId(),
      partner_id: partnerId,
      url: input.url,
      description: input.description ?? null,
      event_types: input.eventTypes,
      enabled: input.enabled,
      secret,
      disabled_reason: null,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { endpoint: toEndpoint(row), secret };
}

/**
 * Changes an endpoint. Disabling it parks its pending deliveries (they are not tried, and no
 * new event is queued for it); enabling it again resumes them at once and clears the reason
 * an automatic disable recorded.
 */
export async function updateWebhookEndpoint(
  trx: Tx,
  partnerId: string,
  input: UpdateWebhookEndpointInput,
  policy: WebhookNetworkPolicy,
  now: Date,
) {
  if (input.url !== undefined) await assertReachable(input.url, policy);
  const current = await requireEndpoint(trx, partnerId, input.endpointId, 'update');
  const enabled = input.enabled ?? current.enabled;
  const row = await trx
    .updateTable('webhook_endpoints')
    .set({
      ...(input.url !== undefined ? { url: input.url } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.eventTypes !== undefined ? { event_types: input.eventTypes } : {}),
      enabled,
      disabled_reason: enabled ? null : current.disabled_reason,
      updated_at: now,
    })
    .where('id', '=', current.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (current.enabled && !enabled) {
    await trx
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: sql<Date>`'infinity'`, updated_at: sql<Date>`now()` })
      .where('endpoint_id', '=', current.id)
      .where('status', '=', 'pending')
      .execute();
  } else if (!current.enabled && enabled) {
    const resumed = await trx
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
      .where('status', '=', 'pending')
      .where('next_attempt_at', '=', sql<Date>`'infinity'`)
      .where('endpoint_id', '=', current.id)
      .executeTakeFirst();
    if (resumed.numUpdatedRows > 0n) await notifyDispatcher(trx);
  }
  return { endpoint: toEndpoint(row) };
}

/** Deletes the endpoint with its delivery log; attempts under way finish unrecorded. */
export async function removeWebhookEndpoint(trx: Tx, partnerId: string, endpointId: string) {
  const row = await trx
    .deleteFrom('webhook_endpoints')
    .where('id', '=', endpointId)
    .where('partner_id', '=', partnerId)
    .returning('id')
    .executeTakeFirst();
  if (!row) throw notFound('Webhook endpoint');
}

/** A new secret, used from the next attempt on; the old one stops working at once. */
export async function rotateWebhookSecret(
  trx: Tx,
  partnerId: string,
  endpointId: string,
  now: Date,
) {
  const secret = newWebhookSecret();
  const row = await trx
    .updateTable('webhook_endpoints')
    .set({ secret, updated_at: now })
    .where('id', '=', endpointId)
    .where('partner_id', '=', partnerId)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw notFound('Webhook endpoint');
  return { endpoint: toEndpoint(row), secret };
}

/**
 * Sends a `webhook.test` event to this endpoint only, through the normal delivery path (signed,
 * retried, in the log). The fan-out trigger skips test events; the delivery is made here.
 */
export async function sendTestEvent(trx: Tx, partnerId: string, endpointId: string) {
  const endpoint = await requireEndpoint(trx, partnerId, endpointId, 'share');
  if (!endpoint.enabled) throw endpointDisabled();
  const eventId = newId();
  await trx
    .insertInto('events')
    .values({
      id: eventId,
      partner_id: partnerId,
      organization_id: null,
      type: TEST_EVENT_TYPE,
      data: JSON.stringify({ endpointId, message: 'A test event from Allot' }),
      dedupe_key: null,
    })
    .execute();
  const deliveryId = newId();
  await trx
    .insertInto('webhook_deliveries')
    .values({
      id: deliveryId,
      partner_id: partnerId,
      endpoint_id: endpointId,
      event_id: eventId,
      next_attempt_at: sql<Date>`now()`,
      updated_at: sql<Date>`now()`,
    })
    .execute();
  await notifyDispatcher(trx);
  return { delivery: await deliveryById(trx, endpointId, deliveryId) };
}
