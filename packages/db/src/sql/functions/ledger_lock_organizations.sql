-- Locks what burning credits of many organizations at once writes, in the ledger's lock order,
-- in one round trip: their partners' rows and their own (KEY SHARE), then their accounts of the
-- credit type (FOR UPDATE, by id). The shared row locks come first because a burn that writes an
-- account twice in a transaction checks its foreign keys again, and that check, taken after the
-- account lock, would wait for a renewal holding the partner while the renewal waits for the
-- account. Taking them again in the same transaction costs little and waits for nothing.
CREATE OR REPLACE FUNCTION ledger_lock_organizations(p_organizations uuid[], p_credit_type text)
RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM 1 FROM partners p
    WHERE p.id IN (SELECT o.partner_id FROM organizations o WHERE o.id = ANY (p_organizations))
    ORDER BY p.id FOR KEY SHARE;
  PERFORM 1 FROM organizations o WHERE o.id = ANY (p_organizations) ORDER BY o.id FOR KEY SHARE;
  PERFORM 1 FROM accounts a
    WHERE a.organization_id = ANY (p_organizations) AND a.kind = 'organization'
      AND a.credit_type = p_credit_type
    ORDER BY a.id FOR UPDATE;
END
$fn$;
