import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
//
// The outbox and what writes to it from inside the database:
// - `events`: every event a partner can receive, written in the transaction of the change it
//   describes (so a rolled-back change has none and a committed one always has its event).
//   `dedupe_key` makes an event that must exist once (a usage batch) idempotent.
// - `balance_alerts` and `auto_top_up_rules`: per organization and credit type.
// - `auto_top_ups`: one row per downward crossing of a rule's threshold, processed by the job
//   worker (which grants, or records why it could not).
// - `ledger_balance_crossed`: a constraint trigger deferred to commit, once per organization
//   account and transaction. It compares the balance before the transaction with the balance at
//   commit, so a transaction that passes through zero and back (a renewal expiring the old
//   period's credits, then granting the new ones) reports nothing, and because account updates
//   are serialised by the row lock, each crossing is seen by exactly one transaction.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE events (
      id uuid PRIMARY KEY,
      partner_id uuid NOT NULL REFERENCES partners (id),
      organization_id uuid,
      type text NOT NULL,
      data jsonb NOT NULL,
      dedupe_key text UNIQUE,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp()
    )`.execute(db);
  await sql`CREATE INDEX events_partner_idx ON events (partner_id, created_at, id)`.execute(db);

  await sql`
    CREATE TABLE balance_alerts (
      organization_id uuid NOT NULL REFERENCES organizations (id),
      credit_type text NOT NULL REFERENCES credit_types (key),
      partner_id uuid NOT NULL REFERENCES partners (id),
      thresholds jsonb NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (organization_id, credit_type)
    )`.execute(db);

  await sql`
    CREATE TABLE auto_top_up_rules (
      organization_id uuid NOT NULL REFERENCES organizations (id),
      credit_type text NOT NULL REFERENCES credit_types (key),
      partner_id uuid NOT NULL REFERENCES partners (id),
      threshold bigint NOT NULL CHECK (threshold >= 0),
      amount bigint NOT NULL CHECK (amount > 0),
      max_per_period integer NOT NULL CHECK (max_per_period > 0),
      expires_after_days integer CHECK (expires_after_days > 0),
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (organization_id, credit_type)
    )`.execute(db);

  await sql`
    CREATE TABLE auto_top_ups (
      id uuid PRIMARY KEY,
      partner_id uuid NOT NULL REFERENCES partners (id),
      organization_id uuid NOT NULL REFERENCES organizations (id),
      credit_type text NOT NULL,
      threshold bigint NOT NULL,
      amount bigint NOT NULL,
      max_per_period integer NOT NULL,
      expires_after_days integer,
      balance bigint NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'failed')),
      reason text,
      grant_id uuid,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      processed_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX auto_top_ups_pending_idx ON auto_top_ups (created_at) WHERE status = 'pending'`.execute(
    db,
  );
  await sql`CREATE INDEX auto_top_ups_organization_idx ON auto_top_ups (organization_id, created_at)`.execute(
    db,
  );

  // usage.recorded batches read the last hour of identifications of every partner.
  await sql`CREATE INDEX identifications_time_idx ON identifications (identified_at)`.execute(db);

  // `depleted`: set while an organization account sits at zero after a `depleted` event, so
  // `recovered` fires when it comes back, and not when a new account first receives credits.
  // `watched`: the account has balance alerts or an auto top-up rule. The trigger is queued for
  // a watched account's every change, for any other only when its balance leaves or reaches
  // zero, so the consume path of an organization without alerts pays nothing for them.
  await sql`
    ALTER TABLE accounts
      ADD COLUMN depleted boolean NOT NULL DEFAULT false,
      ADD COLUMN watched boolean NOT NULL DEFAULT false`.execute(db);

  await sql.raw(BALANCE_CROSSED).execute(db);
  await sql`
    CREATE CONSTRAINT TRIGGER ledger_balance_crossed
      AFTER UPDATE OF balance ON accounts
      DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW
      WHEN (NEW.kind = 'organization' AND OLD.balance IS DISTINCT FROM NEW.balance
        AND (NEW.watched OR OLD.balance <= 0 OR NEW.balance <= 0))
      EXECUTE FUNCTION ledger_balance_crossed()`.execute(db);
}

const BALANCE_CROSSED = `
CREATE FUNCTION ledger_balance_crossed() RETURNS trigger LANGUAGE plpgsql AS $fn$
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
    VALUES (gen_random_uuid(), NEW.partner_id, NEW.organization_id, 'credit_balance.depleted',
      jsonb_build_object('organizationId', NEW.organization_id, 'creditType', NEW.credit_type,
        'balance', v_after, 'previousBalance', v_before));
    UPDATE accounts SET depleted = true WHERE id = NEW.id;
  ELSIF v_depleted AND v_after > 0 THEN
    INSERT INTO events (id, partner_id, organization_id, type, data)
    VALUES (gen_random_uuid(), NEW.partner_id, NEW.organization_id, 'credit_balance.recovered',
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
        VALUES (gen_random_uuid(), NEW.partner_id, NEW.organization_id, 'credit_balance.dropped',
          jsonb_build_object('organizationId', NEW.organization_id, 'creditType', NEW.credit_type,
            'balance', v_after, 'previousBalance', v_before,
            'threshold', v_threshold || jsonb_build_object('level', v_level)));
      END IF;
    END LOOP;

    INSERT INTO auto_top_ups (id, partner_id, organization_id, credit_type, threshold, amount,
      max_per_period, expires_after_days, balance)
    SELECT gen_random_uuid(), r.partner_id, r.organization_id, r.credit_type, r.threshold,
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
$fn$`;
