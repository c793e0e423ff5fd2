-- Whether a consumption may go past the credits held, as overage: in usage_based mode only.
-- `allowsOverage` in domain/billing-modes.ts is the same rule; a test compares the two.
CREATE OR REPLACE FUNCTION ledger_allows_overage(p_mode text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT p_mode = 'usage_based'
$fn$;
