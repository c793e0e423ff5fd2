-- Creates an event's deliveries in the transaction of the change, so no event is lost between
-- its commit and its dispatch and a rolled-back change delivers nothing; notifies the worker
-- when it created any. `webhook.test` goes to one endpoint only: the API creates its delivery.
CREATE OR REPLACE FUNCTION webhook_fan_out() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  v_created integer;
BEGIN
  INSERT INTO webhook_deliveries (id, partner_id, endpoint_id, event_id, next_attempt_at)
  SELECT uuidv7(), w.partner_id, w.id, e.id, now()
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
$fn$;
