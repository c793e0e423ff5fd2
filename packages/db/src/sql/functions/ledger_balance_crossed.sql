-- At commit, once per organization account and transaction (see triggers.sql): compares the
-- balance before the transaction with the balance at commit, so a transaction that passes
-- through zero and back (a renewal expiring the old period's credits, then granting the new
-- ones) reports nothing; account updates are serialised by the row lock, so each crossing is
-- seen by exactly one transaction. Writes the depleted, recovered and dropped events and queues
-- the auto top-ups whose threshold was crossed.
CREATE OR REPLACE FUNCTION ledger_balance_crossed() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  -- A transaction-local marker: the first queued update of this account in this transaction
  -- carries the balance before it (OLD); later ones are skipped. (For an account that is not
  -- watched, the first queued update is the first to touch zero: its OLD may be later than the
  -- transaction's start, which changes no zero crossing, the only thing checked for it.)
  v_marker text := 'allot.crossed_' || replace(NEW.id::text, '-', '_');
  v_before bigint := OLD.balance;
  v_after bigint;
  v_allocated bigint;
  v_depleted boolean;
  v_threshold jsonb;
  v_level bigint;
  v_top_ups integer;
BEGIN
  IF coalesce(current_setting(v_marker, true), '') <> '' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config(v_marker, '1', true);
  SELECT balance, period_credited, depleted INTO v_after, v_allocated, v_depleted
  FROM accounts WHERE id = NEW.id;

  IF v_before > 0 AND v_after <= 0 THEN
    INSERT INTO events (id, partner_id, organization_id, type, data)
    VALUES (uuidv7(), NEW.partner_id, NEW.organization_id, 'credit_balance.depleted',
      jsonb_build_object('organizationId', NEW.organization_id, 'creditType', NEW.credit_type,
        'balance', v_after, 'previousBalance', v_before));
    UPDATE accounts SET depleted = true WHERE id = NEW.id;
  ELSIF v_depleted AND v_after > 0 THEN
    INSERT INTO events (id, partner_id, organization_id, type, data)
    VALUES (uuidv7(), NEW.partner_id, NEW.organization_id, 'credit_balance.recovered',
      jsonb_build_object('organizationId', NEW.organization_id, 'creditType', NEW.credit_type,
        'balance', v_after, 'previousBalance', v_before));
    UPDATE accounts SET depleted = false WHERE id = NEW.id;
  END IF;

  IF v_after < v_before THEN
    FOR v_threshold IN
      SELECT t FROM balance_alerts a, jsonb_array_elements(a.thresholds) AS t
      WHERE a.organization_id = NEW.organization_id AND a.credit_type = NEW.credit_type
    LOOP
      -- A percentage is of the period's allocation, rounded down to whole credits.
      v_level := CASE WHEN v_threshold ? 'credits' THEN (v_threshold ->> 'credits')::bigint
        ELSE floor(v_allocated * (v_threshold ->> 'percent')::numeric / 100)::bigint END;
      IF v_before > v_level AND v_after <= v_level THEN
        INSERT INTO events (id, partner_id, organization_id, type, data)
        VALUES (uuidv7(), NEW.partner_id, NEW.organization_id, 'credit_balance.dropped',
          jsonb_build_object('organizationId', NEW.organization_id, 'creditType', NEW.credit_type,
            'balance', v_after, 'previousBalance', v_before,
            'threshold', v_threshold || jsonb_build_object('level', v_level)));
      END IF;
    END LOOP;

    INSERT INTO auto_top_ups (id, partner_id, organization_id, credit_type, threshold, amount,
      max_per_period, expires_after_days, balance)
    SELECT uuidv7(), r.partner_id, r.organization_id, r.credit_type, r.threshold,
      r.amount, r.max_per_period, r.expires_after_days, v_after
    FROM auto_top_up_rules r
    WHERE r.organization_id = NEW.organization_id AND r.credit_type = NEW.credit_type
      AND v_before > r.threshold AND v_after <= r.threshold;
    GET DIAGNOSTICS v_top_ups = ROW_COUNT;
    IF v_top_ups > 0 THEN
      PERFORM pg_notify('allot_auto_top_ups', '');
    END IF;
  END IF;
  RETURN NULL;
END
$fn$;
