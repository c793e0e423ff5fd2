import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
//
// Partner webhooks, fed from the `events` outbox:
// - `webhook_endpoints`: where a partner receives events, and which types (an empty filter is
//   all). The signing secret is stored as is, unlike API keys: the sender must hold it to sign
//   every delivery (HMAC), so a hash would be useless. It is shown to the partner only on
//   creation and rotation.
// - `webhook_deliveries`: one per event and endpoint, the unit of retry. A pending delivery is
//   due at `next_attempt_at`; a worker claims it by setting `lease_until` and moving
//   `next_attempt_at` to the lease's end, so a worker that dies mid-attempt leaves a delivery
//   that simply falls due again. `'infinity'` parks the deliveries of a disabled endpoint.
// - `webhook_attempts`: every request sent, with its status, latency and a response excerpt.
// - `webhook_fan_out`: a statement trigger on `events` that creates the deliveries in the
//   transaction of the change, so no event is lost between its commit and its dispatch, and a
//   rolled-back change delivers nothing. It notifies the worker when it created any.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE webhook_endpoints (
      id uuid PRIMARY KEY,
      partner_id uuid NOT NULL REFERENCES partners (id),
      url text NOT NULL,
      description text,
      event_types text[] NOT NULL DEFAULT '{}',
      enabled boolean NOT NULL DEFAULT true,
      secret text NOT NULL,
      disabled_reason text,
      last_success_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX webhook_endpoints_partner_idx ON webhook_endpoints (partner_id, created_at, id)`.execute(
    db,
  );

  await sql`
    CREATE TABLE webhook_deliveries (
      id uuid PRIMARY KEY,
      partner_id uuid NOT NULL,
      endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
      event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz,
      lease_until timestamptz,
      last_status_code integer,
      failure_reason text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (endpoint_id, event_id),
      CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL))
    )`.execute(db);
  await sql`
    CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
      WHERE status = 'pending'`.execute(db);
  await sql`
    CREATE INDEX webhook_deliveries_log_idx
      ON webhook_deliveries (endpoint_id, created_at DESC, id DESC)`.execute(db);

  await sql`
    CREATE TABLE webhook_attempts (
      id uuid PRIMARY KEY,
      delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
      attempted_at timestamptz NOT NULL,
      status_code integer,
      latency_ms integer NOT NULL,
      error text,
      response_excerpt text
    )`.execute(db);
  await sql`CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, attempted_at)`.execute(
    db,
  );

  await sql.raw(FAN_OUT).execute(db);
  await sql`
    CREATE TRIGGER events_webhook_fan_out
      AFTER INSERT ON events
      REFERENCING NEW TABLE AS inserted
      FOR EACH STATEMENT
      EXECUTE FUNCTION webhook_fan_out()`.execute(db);
}

// Per statement, over its transition table: a renewal that emits an event for each of 10,000
// organizations fans out in one join, not 10,000 trigger calls. `webhook.test` goes to one
// endpoint only; the API creates its delivery itself.
const FAN_OUT = `
CREATE FUNCTION webhook_fan_out() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  v_created integer;
BEGIN
  INSERT INTO webhook_deliveries (id, partner_id, endpoint_id, event_id, next_attempt_at)
  SELECT gen_random_uuid(), w.partner_id, w.id, e.id, now()
  FROM inserted e
  JOIN webhook_endpoints w ON w.partner_id = e.partner_id AND w.enabled
  WHERE e.type <> 'webhook.test'
    AND (cardinality(w.event_types) = 0 OR e.type = ANY (w.event_types));
  GET DIAGNOSTICS v_created = ROW_COUNT;
  IF v_created > 0 THEN
    PERFORM pg_notify('allot_webhooks', '');
  END IF;
  RETURN NULL;
END
$fn$`;

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER events_webhook_fan_out ON events`.execute(db);
  await sql`DROP FUNCTION webhook_fan_out()`.execute(db);
  await sql`DROP TABLE webhook_attempts`.execute(db);
  await sql`DROP TABLE webhook_deliveries`.execute(db);
  await sql`DROP TABLE webhook_endpoints`.execute(db);
}
