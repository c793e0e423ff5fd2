-- An account's spendable blocks at p_now in burn order: priority, then the soonest expiry (none
-- last), then the oldest, then id. The one definition of burn order; inlined by the planner, so
-- it reads the live-blocks index in its own order.
CREATE OR REPLACE FUNCTION spendable_blocks(p_account uuid, p_now timestamptz) RETURNS SETOF blocks
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT * FROM blocks b
  WHERE b.account_id = p_account AND ledger_spendable(b, p_now)
  ORDER BY b.priority, b.expires_at NULLS LAST, b.created_at, b.id
$fn$;
