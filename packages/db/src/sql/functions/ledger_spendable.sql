-- Spendable at p_now: holds credits, has taken effect, has not expired, is not voided. The one
-- definition of spendability; expiry never waits for a sweeper. A single expression, so the
-- planner inlines it: a query filtering on it still uses the live-blocks index (NOT spent).
CREATE OR REPLACE FUNCTION ledger_spendable(b blocks, p_now timestamptz) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT NOT b.spent AND b.voided_at IS NULL AND b.effective_at <= p_now
    AND (b.expires_at IS NULL OR b.expires_at > p_now)
$fn$;
