-- Triggers, applied after the functions they call.

-- Deferred to commit, once per organization account and transaction: it compares the balance
-- before the transaction with the balance at commit. Queued for a watched account's every
-- change, for any other only when its balance leaves or reaches zero, so the consume path of an
-- organization without alerts pays nothing for it.
CREATE CONSTRAINT TRIGGER ledger_balance_crossed
  AFTER UPDATE OF balance ON accounts
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW
  WHEN (NEW.kind = 'organization' AND OLD.balance IS DISTINCT FROM NEW.balance
    AND (NEW.watched OR OLD.balance <= 0 OR NEW.balance <= 0))
  EXECUTE FUNCTION ledger_balance_crossed();


-- Per statement, over its transition table: a renewal that emits 10,000 events fans out in one
-- join, not 10,000 trigger calls.
CREATE TRIGGER events_webhook_fan_out
  AFTER INSERT ON events
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT
  EXECUTE FUNCTION webhook_fan_out();
