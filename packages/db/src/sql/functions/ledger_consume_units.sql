-- Burns one credit for each of many keys (the pixel's new identifications), with the outcomes a
-- call of ledger_consume per key in their order would give, in a few set-based statements for
-- the whole batch where it can: the organizations' accounts locked in one statement, the claims
-- inserted together, each organization's first block drawn once and one posting made with a
-- transfer per key (each with its own time and reference), so a batch writes each account, sink
-- and block once, however many organizations it charges.
--
-- The shortcut is exact for an organization only where every burn of it would take the same
-- block: the organization is active, its period outlasts its burns, no block takes effect or
-- expires between its first and last times (so the spendable blocks, and their order, are one
-- set for all of them), and the first block covers a credit for each distinct key. Otherwise
-- each of its keys goes through ledger_consume in order, as one call each. A key twice in the
-- input is consumed once and then replayed, as two calls would.
--
-- Locks: the organizations' accounts as ledger_lock_organizations takes them, all before anything
-- is written (the caller may hold them already: ingest takes them before reading its guards);
-- then the sinks the posting writes, which nobody takes without the account first.
CREATE OR REPLACE FUNCTION ledger_consume_units(
  p_organizations uuid[], p_credit_type text, p_keys text[], p_references text[],
  p_nows timestamptz[])
RETURNS TABLE (ord bigint, outcome text, charged bigint, overage bigint, available bigint)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  v_fast record;
  v_org uuid;
  v_claimed bigint[];
BEGIN
  PERFORM ledger_lock_organizations(p_organizations, p_credit_type);

  -- The organizations the shortcut holds for, with the accounts and the block it takes.
  WITH input AS (
    SELECT t.* FROM unnest(p_organizations, p_keys, p_nows) AS t(org, key, at)
  ), spans AS (
    SELECT org, min(at) AS first_at, max(at) AS last_at, count(DISTINCT key) AS keys
    FROM input GROUP BY org
  ), fast AS (
    SELECT s.org, a.id AS account, a.partner_id, k.id AS sink, b.id AS block
    FROM spans s
    JOIN accounts a ON a.organization_id = s.org AND a.kind = 'organization'
      AND a.credit_type = p_credit_type
    JOIN organizations o ON o.id = s.org
    JOIN accounts k ON k.organization_id = s.org AND k.kind = 'consumption'
      AND k.credit_type = p_credit_type
    CROSS JOIN LATERAL (
      SELECT sb.id, sb.remaining FROM spendable_blocks(a.id, s.last_at) sb LIMIT 1) b
    WHERE o.status = 'active' AND o.period_end > s.last_at AND b.remaining >= s.keys
      AND NOT EXISTS (
        SELECT 1 FROM blocks x
        WHERE x.account_id = a.id AND NOT x.spent
          AND ((x.effective_at > s.first_at AND x.effective_at <= s.last_at)
            OR (x.expires_at > s.first_at AND x.expires_at <= s.last_at)))
  )
  SELECT coalesce(array_agg(f.org), '{}') AS orgs, coalesce(array_agg(f.account), '{}') AS accounts,
    coalesce(array_agg(f.partner_id), '{}') AS partners, coalesce(array_agg(f.sink), '{}') AS sinks,
    coalesce(array_agg(f.block), '{}') AS blocks
    INTO v_fast FROM fast f;

  -- The others, one ledger_consume per key, organization by organization in account order.
  FOR v_org IN
    SELECT o.id FROM unnest(p_organizations) AS o(id) WHERE o.id <> ALL (v_fast.orgs)
    GROUP BY o.id
    -- Without an account (last), ledger_consume says why: not_found or no_account.
    ORDER BY (SELECT a.id FROM accounts a WHERE a.organization_id = o.id
      AND a.kind = 'organization' AND a.credit_type = p_credit_type), o.id
  LOOP
    RETURN QUERY
      SELECT t.n, c.outcome, c.charged, c.overage, c.available
      FROM unnest(p_organizations, p_keys, p_references, p_nows) WITH ORDINALITY
        AS t(org, key, reference, at, n)
      CROSS JOIN LATERAL ledger_consume(v_org, p_credit_type, 1, t.key, t.reference,
        'decrement', NULL, t.at) AS c
      WHERE t.org = v_org
      ORDER BY t.n;
  END LOOP;
  IF cardinality(v_fast.orgs) = 0 THEN
    RETURN;
  END IF;

  -- Each distinct key of an organization claimed at its first place; one claimed before is a
  -- replay.
  WITH input AS (
    SELECT DISTINCT ON (t.org, t.key) t.*, f.partner_id
    FROM unnest(p_organizations, p_keys, p_references, p_nows) WITH ORDINALITY
      AS t(org, key, reference, at, n)
    JOIN unnest(v_fast.orgs, v_fast.partners) AS f(org, partner_id) ON f.org = t.org
    ORDER BY t.org, t.key, t.n
  ), claimed AS (
    INSERT INTO consumptions AS c (partner_id, organization_id, credit_type, idempotency_key,
        amount, overage, reference, created_at)
      SELECT i.partner_id, i.org, p_credit_type, i.key, 1, 0, i.reference, i.at
      FROM input i ORDER BY i.n
      ON CONFLICT DO NOTHING
      RETURNING c.organization_id, c.idempotency_key
  )
  SELECT coalesce(array_agg(i.n ORDER BY i.n), '{}') INTO v_claimed
    FROM input i JOIN claimed c ON c.organization_id = i.org AND c.idempotency_key = i.key;

  IF cardinality(v_claimed) > 0 THEN
    UPDATE blocks b SET remaining = b.remaining - d.n
      FROM (SELECT f.block, count(*) AS n FROM unnest(v_claimed) AS k(n)
        JOIN unnest(v_fast.orgs, v_fast.blocks) AS f(org, block) ON f.org = p_organizations[k.n]
        GROUP BY f.block) d
      WHERE b.id = d.block;
    PERFORM ledger_post(array_agg(f.account ORDER BY k.n), array_agg(f.sink ORDER BY k.n),
        array_fill(1::bigint, ARRAY[count(*)::int]),
        array_fill('decrement'::text, ARRAY[count(*)::int]),
        array_agg(f.block ORDER BY k.n), array_agg(f.block ORDER BY k.n),
        array_fill(NULL::text, ARRAY[count(*)::int]),
        array_agg(p_references[k.n] ORDER BY k.n), max(p_nows[k.n]),
        array_agg(p_nows[k.n] ORDER BY k.n))
      FROM unnest(v_claimed) AS k(n)
      JOIN unnest(v_fast.orgs, v_fast.accounts, v_fast.sinks, v_fast.blocks)
        AS f(org, account, sink, block) ON f.org = p_organizations[k.n];
  END IF;

  RETURN QUERY
    SELECT t.n, CASE WHEN t.n = ANY (v_claimed) THEN 'consumed' ELSE 'replayed' END,
      c.amount - c.overage, c.overage, NULL::bigint
    FROM unnest(p_organizations, p_keys) WITH ORDINALITY AS t(org, key, n)
    JOIN consumptions c ON c.organization_id = t.org AND c.idempotency_key = t.key
    -- The keys as arrays too, so that the claims are looked up by index, never scanned.
    WHERE t.org = ANY (v_fast.orgs) AND c.organization_id = ANY (v_fast.orgs)
      AND c.idempotency_key = ANY (p_keys);
END
$fn$;
