-- Lapsed at p_now: the block expired with credits left that no expiration has written down yet.
-- Such credits are already unspendable (ledger_spendable); writing them down (expireBlocks) only
-- records it. A single expression, inlined, so it reads the expiring-blocks index.
CREATE OR REPLACE FUNCTION ledger_lapsed(b blocks, p_now timestamptz) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT NOT b.spent AND b.voided_at IS NULL AND b.expired_at IS NULL AND b.expires_at <= p_now
$fn$;
