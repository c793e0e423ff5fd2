-- Burns one credit for each of many keys (the pixel's new identifications), with the outcomes a
-- call of ledger_consume per key in their order would give, in one statement per organization
-- where it can: each organization's account is locked once, its claims inserted together, its
-- first block drawn once and one posting made with a transfer per key (each with its own time
-- and reference), so a busy organization's batch writes its account, sink and block once.
--
-- The shortcut is exact only where every burn would take the same block: the organization is
-- active, its period outlasts the batch, no block takes effect or expires between the batch's
-- first and last times (so the spendable blocks, and their order, are one set for all of
-- them), and the first block covers a credit for each distinct key. Otherwise each key goes
-- through ledger_consume in order, as one call each. A key twice in the input is consumed once
-- and then replayed, as two calls would.
--
-- Locks: the organizations' accounts in account id order, the ledger's lock order; the caller
-- may hold them already (ingest locks them before reading its guards).
CREATE OR REPLACE FUNCTION ledger_consume_units(
  p_organizations uuid[], p_credit_type text, p_keys text[], p_references text[],
  p_nows timestamptz[])
RETURNS TABLE (ord bigint, outcome text, charged bigint, overage bigint, available bigint)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  v_org uuid;
  v_account record;
  v_span record;
  v_block record;
  v_fast boolean;
  v_claimed bigint[];
BEGIN
  FOR v_org IN
    SELECT o.id FROM unnest(p_organizations) AS o(id) GROUP BY o.id
    ORDER BY (SELECT a.id FROM accounts a WHERE a.organization_id = o.id
      AND a.kind = 'organization' AND a.credit_type = p_credit_type), o.id
  LOOP
    SELECT a.id, a.partner_id, s.id AS sink, o.status, o.period_end
      INTO v_account
      FROM accounts a
      JOIN organizations o ON o.id = a.organization_id
      JOIN accounts s ON s.organization_id = a.organization_id AND s.kind = 'consumption'
        AND s.credit_type = a.credit_type
      WHERE a.organization_id = v_org AND a.kind = 'organization'
        AND a.credit_type = p_credit_type
      FOR UPDATE OF a;
    v_fast := FOUND;
    IF v_fast THEN
      SELECT min(t.at) AS first_at, max(t.at) AS last_at, count(DISTINCT t.key) AS keys
        INTO v_span
        FROM unnest(p_organizations, p_keys, p_nows) AS t(org, key, at) WHERE t.org = v_org;
      v_fast := v_account.status = 'active' AND v_account.period_end > v_span.last_at;
    END IF;
    IF v_fast THEN
      SELECT b.id, b.remaining INTO v_block
        FROM spendable_blocks(v_account.id, v_span.last_at) b LIMIT 1;
      v_fast := FOUND AND v_block.remaining >= v_span.keys AND NOT EXISTS (
        SELECT 1 FROM blocks b
        WHERE b.account_id = v_account.id AND NOT b.spent
          AND ((b.effective_at > v_span.first_at AND b.effective_at <= v_span.last_at)
            OR (b.expires_at > v_span.first_at AND b.expires_at <= v_span.last_at)));
    END IF;

    IF NOT v_fast THEN
      RETURN QUERY
        SELECT t.n, c.outcome, c.charged, c.overage, c.available
        FROM unnest(p_organizations, p_keys, p_references, p_nows) WITH ORDINALITY
          AS t(org, key, reference, at, n)
        CROSS JOIN LATERAL ledger_consume(v_org, p_credit_type, 1, t.key, t.reference,
          'decrement', NULL, t.at) AS c
        WHERE t.org = v_org
        ORDER BY t.n;
      CONTINUE;
    END IF;

    -- Each distinct key claimed at its first place; a key claimed before is a replay.
    WITH input AS (
      SELECT DISTINCT ON (t.key) t.* FROM unnest(p_organizations, p_keys, p_references, p_nows)
        WITH ORDINALITY AS t(org, key, reference, at, n)
      WHERE t.org = v_org ORDER BY t.key, t.n
    ), claimed AS (
      INSERT INTO consumptions AS c (partner_id, organization_id, credit_type, idempotency_key,
          amount, overage, reference, created_at)
        SELECT v_account.partner_id, v_org, p_credit_type, i.key, 1, 0, i.reference, i.at
        FROM input i ORDER BY i.n
        ON CONFLICT DO NOTHING
        RETURNING c.idempotency_key
    )
    SELECT coalesce(array_agg(i.n ORDER BY i.n), '{}') INTO v_claimed
      FROM input i JOIN claimed c ON c.idempotency_key = i.key;

    IF cardinality(v_claimed) > 0 THEN
      UPDATE blocks SET remaining = remaining - cardinality(v_claimed) WHERE id = v_block.id;
      PERFORM ledger_post(
        array_fill(v_account.id, ARRAY[cardinality(v_claimed)]),
        array_fill(v_account.sink, ARRAY[cardinality(v_claimed)]),
        array_fill(1::bigint, ARRAY[cardinality(v_claimed)]),
        array_fill('decrement'::text, ARRAY[cardinality(v_claimed)]),
        array_fill(v_block.id, ARRAY[cardinality(v_claimed)]),
        array_fill(v_block.id, ARRAY[cardinality(v_claimed)]),
        array_fill(NULL::text, ARRAY[cardinality(v_claimed)]),
        ARRAY(SELECT p_references[n] FROM unnest(v_claimed) AS n),
        v_span.last_at,
        ARRAY(SELECT p_nows[n] FROM unnest(v_claimed) AS n));
    END IF;

    RETURN QUERY
      SELECT t.n, CASE WHEN t.n = ANY (v_claimed) THEN 'consumed' ELSE 'replayed' END,
        c.amount - c.overage, c.overage, NULL::bigint
      FROM unnest(p_organizations, p_keys) WITH ORDINALITY AS t(org, key, n)
      JOIN consumptions c ON c.organization_id = v_org AND c.idempotency_key = t.key
      WHERE t.org = v_org
      ORDER BY t.n;
  END LOOP;
END
$fn$;
