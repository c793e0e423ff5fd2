-- Posts transfers in order, set-based: one statement writes every entry (with the balance after
-- it and the account's next sequence number) and moves every balance, however many transfers
-- there are. The one posting algorithm: the services post through it, and so does
-- ledger_consume. The caller holds its accounts' locks (the services through their handles;
-- ledger_consume holds the organization account, the only one two burns share, so the sinks
-- it reaches here cannot form a cycle). The accounts' CHECK keeps every balance but issuance
-- at or above zero.
--
-- It also keeps an organization account's period counters, so each account is written once:
-- a second UPDATE of a row this transaction already wrote checks its foreign keys again, which
-- takes a KEY SHARE lock on the partner row after the account lock, against the lock order.
-- What an organization account sends to its consumption sink (decrements and amendments, less
-- what an amendment gives back; never below zero) is consumed, and what it receives as overage
-- is overage.
--
-- Every entry is dated p_now, or its transfer's own time in p_at when given (a batch of burns
-- made at different moments, posted together by ledger_consume_units).
CREATE OR REPLACE FUNCTION ledger_post(
  p_from uuid[], p_to uuid[], p_amount bigint[], p_type text[], p_from_block uuid[],
  p_to_block uuid[], p_reason text[], p_reference text[], p_now timestamptz,
  p_at timestamptz[] DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  v_transfer bigint;
BEGIN
  IF (0 < ALL (p_amount)) IS NOT TRUE THEN
    RAISE EXCEPTION 'ledger_post: every amount must be a positive integer, got %', p_amount;
  END IF;
  -- One transfer, the usual consumption: the same entries and counters without the set
  -- machinery (unnest, windows), which costs more than the rest of a burn together.
  IF cardinality(p_amount) = 1 THEN
    v_transfer := nextval('ledger_transfer_seq');
    WITH d(id, delta, block, side) AS (
      VALUES (p_from[1], -p_amount[1], p_from_block[1], 0), (p_to[1], p_amount[1], p_to_block[1], 1)
    ),
    moved AS (
      UPDATE accounts a SET balance = a.balance + d.delta, sequence = a.sequence + 1,
        period_consumed = CASE WHEN a.kind = 'organization' AND p_type[1] IN ('decrement', 'amendment')
          THEN greatest(a.period_consumed - d.delta, 0) ELSE a.period_consumed END,
        period_overage = CASE WHEN a.kind = 'organization' AND p_type[1] = 'overage'
          THEN a.period_overage + d.delta ELSE a.period_overage END
      FROM d WHERE a.id = d.id
      RETURNING a.id, a.kind, a.partner_id, a.organization_id, a.credit_type, a.balance, a.sequence,
        d.delta, d.block, d.side
    )
    INSERT INTO entries (account_id, account_kind, partner_id, organization_id, credit_type,
      transfer_id, type, amount, balance_after, sequence, block_id, reason, reference, created_at)
    SELECT m.id, m.kind, m.partner_id, m.organization_id, m.credit_type, v_transfer,
      p_type[1], m.delta, m.balance, m.sequence, m.block, p_reason[1], p_reference[1],
      coalesce(p_at[1], p_now)
    FROM moved m ORDER BY m.side;
    RETURN;
  END IF;
  WITH t AS MATERIALIZED (
    SELECT t.*, nextval('ledger_transfer_seq') AS transfer_id
    FROM unnest(p_from, p_to, p_amount, p_type, p_from_block, p_to_block, p_reason, p_reference,
        p_at)
      WITH ORDINALITY AS t(from_id, to_id, amount, type, from_block, to_block, reason, reference,
        at, ord)
  ),
  legs AS (
    SELECT ord, 0 AS side, from_id AS account_id, -amount AS delta, type, from_block AS block_id,
      reason, reference, at, transfer_id FROM t
    UNION ALL
    SELECT ord, 1, to_id, amount, type, to_block, reason, reference, at, transfer_id FROM t
  ),
  numbered AS (
    SELECT legs.*, row_number() OVER w AS rn, sum(delta) OVER w AS running
    FROM legs WINDOW w AS (PARTITION BY account_id ORDER BY ord, side ROWS UNBOUNDED PRECEDING)
  ),
  totals AS (
    SELECT account_id, sum(delta) AS total, count(*) AS n,
      -sum(delta) FILTER (WHERE type IN ('decrement', 'amendment')) AS consumed,
      sum(delta) FILTER (WHERE type = 'overage') AS overage
    FROM legs GROUP BY account_id
  ),
  moved AS (
    UPDATE accounts a SET balance = a.balance + totals.total, sequence = a.sequence + totals.n,
      period_consumed = CASE WHEN a.kind = 'organization'
        THEN greatest(a.period_consumed + coalesce(totals.consumed, 0), 0)
        ELSE a.period_consumed END,
      period_overage = CASE WHEN a.kind = 'organization'
        THEN a.period_overage + coalesce(totals.overage, 0) ELSE a.period_overage END
    FROM totals WHERE a.id = totals.account_id
    RETURNING a.id, a.kind, a.partner_id, a.organization_id, a.credit_type,
      a.balance - totals.total AS before, a.sequence - totals.n AS sequence_before
  )
  INSERT INTO entries (account_id, account_kind, partner_id, organization_id, credit_type,
    transfer_id, type, amount, balance_after, sequence, block_id, reason, reference, created_at)
  SELECT n.account_id, m.kind, m.partner_id, m.organization_id, m.credit_type, n.transfer_id,
    n.type, n.delta, m.before + n.running, m.sequence_before + n.rn, n.block_id, n.reason,
    n.reference, coalesce(n.at, p_now)
  FROM numbered n JOIN moved m ON m.id = n.account_id
  ORDER BY n.ord, n.side;
END
$fn$;
