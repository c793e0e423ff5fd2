-- The lock order of accounts within one write: the owner's credits (pool, wallet), organizations,
-- sinks (consumption, applied, expiry, void), issuance (then id). See docs/architecture.md,
-- "Lock order".
CREATE OR REPLACE FUNCTION ledger_lock_rank(kind text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE kind WHEN 'pool' THEN 0 WHEN 'wallet' THEN 0 WHEN 'organization' THEN 1
    WHEN 'consumption' THEN 2 WHEN 'applied' THEN 2 WHEN 'expiry' THEN 3 WHEN 'void' THEN 4
    ELSE 5 END
$fn$;
