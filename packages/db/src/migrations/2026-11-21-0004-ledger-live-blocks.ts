import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
//
// The hot path, measured again (docs/benchmarks.md):
// - `blocks.spent` (remaining = 0, stored) marks a block with nothing left. The burn-order index
//   covers unspent blocks only, so a read or a burn touches live blocks however long the
//   history, while burning stays a HOT update: `spent` changes only when a block runs out.
// - `ledger_consume` claims the key with INSERT ... ON CONFLICT (no lookup whose cached plan can
//   go stale), and writes the usual case (one block, no overage) without building arrays.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE blocks ADD COLUMN spent boolean GENERATED ALWAYS AS (remaining = 0) STORED`.execute(
    db,
  );
  await sql`DROP INDEX blocks_account_idx`.execute(db);
  await sql`
    CREATE INDEX blocks_live_idx ON blocks
      (account_id, priority, expires_at NULLS LAST, created_at, id) WHERE NOT spent`.execute(db);
  await sql`CREATE INDEX blocks_account_idx ON blocks (account_id)`.execute(db);
  await sql.raw(CONSUME_FUNCTION).execute(db);
}

const CONSUME_FUNCTION = `
CREATE OR REPLACE FUNCTION ledger_consume(
  p_organization uuid, p_credit_type text, p_amount bigint, p_key text, p_reference text,
  p_entry_type text, p_reason text, p_now timestamptz,
  OUT outcome text, OUT charged bigint, OUT overage bigint, OUT available bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_account record;
  v_prior record;
  v_block record;
  v_blocks uuid[] := '{}';
  v_takes bigint[] := '{}';
  v_left bigint := p_amount;
  v_take bigint;
  v_legs integer;
  v_sink uuid;
  v_sink_balance bigint;
  v_sink_sequence bigint;
  v_issuance uuid;
  v_issuance_balance bigint;
  v_issuance_sequence bigint;
  v_balance bigint;
  v_sequence bigint;
  v_transfer bigint;
  -- The entries, one column an array, written by one INSERT.
  e_account uuid[] := '{}';
  e_kind text[] := '{}';
  e_organization uuid[] := '{}';
  e_transfer bigint[] := '{}';
  e_type text[] := '{}';
  e_amount bigint[] := '{}';
  e_balance bigint[] := '{}';
  e_sequence bigint[] := '{}';
  e_block uuid[] := '{}';
BEGIN
  charged := 0; overage := 0; available := 0;
  SELECT a.id, a.partner_id, a.balance, a.sequence, o.status, o.period_end, p.billing_mode
    INTO v_account
    FROM accounts a
    JOIN organizations o ON o.id = a.organization_id
    JOIN partners p ON p.id = a.partner_id
    WHERE a.organization_id = p_organization AND a.kind = 'organization'
      AND a.credit_type = p_credit_type
    FOR UPDATE OF a;
  IF NOT FOUND THEN
    PERFORM 1 FROM organizations WHERE id = p_organization;
    outcome := CASE WHEN FOUND THEN 'no_account' ELSE 'not_found' END;
    RETURN;
  END IF;

  -- Claimed under the account lock; the primary key settles a race with the same key on another
  -- organization account too. A conflict is a retry: it answers the first result.
  IF p_key IS NOT NULL THEN
    INSERT INTO consumptions (partner_id, organization_id, credit_type, idempotency_key, amount,
        overage, reference, created_at)
      VALUES (v_account.partner_id, p_organization, p_credit_type, p_key, p_amount, 0,
        p_reference, p_now)
      ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
      SELECT c.amount, c.overage INTO v_prior FROM consumptions c
        WHERE c.organization_id = p_organization AND c.idempotency_key = p_key;
      outcome := 'replayed'; charged := v_prior.amount - v_prior.overage;
      overage := v_prior.overage; RETURN;
    END IF;
  END IF;
  -- A suspended organization consumes nothing; an amendment (a partner's correction) still applies.
  -- A refusal records nothing: the claimed key is given back.
  IF v_account.status <> 'active' AND p_entry_type = 'decrement' THEN
    IF p_key IS NOT NULL THEN
      DELETE FROM consumptions WHERE organization_id = p_organization AND idempotency_key = p_key;
    END IF;
    outcome := 'organization_inactive'; RETURN;
  END IF;
  IF v_account.period_end <= p_now THEN
    IF p_key IS NOT NULL THEN
      DELETE FROM consumptions WHERE organization_id = p_organization AND idempotency_key = p_key;
    END IF;
    outcome := 'renewal_due'; RETURN;
  END IF;

  FOR v_block IN
    SELECT id, remaining FROM blocks
      WHERE account_id = v_account.id AND NOT spent AND voided_at IS NULL
        AND effective_at <= p_now AND (expires_at IS NULL OR expires_at > p_now)
      ORDER BY priority, expires_at NULLS LAST, created_at, id
  LOOP
    available := available + v_block.remaining;
    IF v_left > 0 THEN
      v_take := least(v_block.remaining, v_left);
      v_blocks := v_blocks || v_block.id;
      v_takes := v_takes || v_take;
      v_left := v_left - v_take;
    END IF;
  END LOOP;
  IF v_left > 0 AND v_account.billing_mode <> 'usage_based' THEN
    IF p_key IS NOT NULL THEN
      DELETE FROM consumptions WHERE organization_id = p_organization AND idempotency_key = p_key;
    END IF;
    outcome := 'insufficient_credits'; RETURN;
  END IF;
  charged := p_amount - v_left;
  overage := v_left;

  UPDATE blocks b SET remaining = b.remaining - t.take
    FROM unnest(v_blocks, v_takes) AS t(id, take) WHERE b.id = t.id;

  -- The sink takes every credit consumed: one leg per block, and one for the overage.
  v_legs := coalesce(array_length(v_blocks, 1), 0) + (CASE WHEN overage > 0 THEN 1 ELSE 0 END);
  UPDATE accounts SET balance = balance + p_amount, sequence = sequence + v_legs
    WHERE partner_id = v_account.partner_id AND organization_id = p_organization
      AND kind = 'consumption' AND credit_type = p_credit_type
    RETURNING id, balance - p_amount, sequence - v_legs
    INTO v_sink, v_sink_balance, v_sink_sequence;
  IF NOT FOUND THEN RAISE EXCEPTION 'consumption account missing for %', p_organization; END IF;

  v_balance := v_account.balance;
  v_sequence := v_account.sequence;
  -- The usual case, one block and no overage: two entries, written without building arrays.
  IF v_legs = 1 AND overage = 0 THEN
    v_transfer := nextval('ledger_transfer_seq');
    INSERT INTO entries (account_id, account_kind, partner_id, organization_id, credit_type,
        transfer_id, type, amount, balance_after, sequence, block_id, reason, reference, created_at)
      VALUES
        (v_account.id, 'organization', v_account.partner_id, p_organization, p_credit_type,
         v_transfer, p_entry_type, -p_amount, v_balance - p_amount, v_sequence + 1, v_blocks[1],
         p_reason, p_reference, p_now),
        (v_sink, 'consumption', v_account.partner_id, p_organization, p_credit_type, v_transfer,
         p_entry_type, p_amount, v_sink_balance + p_amount, v_sink_sequence + 1, v_blocks[1],
         p_reason, p_reference, p_now);
    UPDATE accounts SET balance = v_balance - p_amount, sequence = v_sequence + 1,
        period_consumed = period_consumed + p_amount
      WHERE id = v_account.id;
    available := available - charged;
    outcome := 'consumed';
    RETURN;
  END IF;
  FOR i IN 1 .. coalesce(array_length(v_blocks, 1), 0) LOOP
    v_transfer := nextval('ledger_transfer_seq');
    v_balance := v_balance - v_takes[i];
    v_sequence := v_sequence + 1;
    v_sink_balance := v_sink_balance + v_takes[i];
    v_sink_sequence := v_sink_sequence + 1;
    e_account := e_account || ARRAY[v_account.id, v_sink];
    e_kind := e_kind || ARRAY['organization', 'consumption'];
    e_organization := e_organization || ARRAY[p_organization, p_organization];
    e_transfer := e_transfer || ARRAY[v_transfer, v_transfer];
    e_type := e_type || ARRAY[p_entry_type, p_entry_type];
    e_amount := e_amount || ARRAY[-v_takes[i], v_takes[i]];
    e_balance := e_balance || ARRAY[v_balance, v_sink_balance];
    e_sequence := e_sequence || ARRAY[v_sequence, v_sink_sequence];
    e_block := e_block || ARRAY[v_blocks[i], v_blocks[i]];
  END LOOP;

  -- usage_based only: the rest is issued on credit to the organization as overage and
  -- consumed at once, so the organization's balance never goes below zero.
  IF overage > 0 THEN
    UPDATE accounts SET balance = balance - overage, sequence = sequence + 1
      WHERE partner_id = v_account.partner_id AND organization_id IS NULL
        AND kind = 'issuance' AND credit_type = p_credit_type
      RETURNING id, balance, sequence INTO v_issuance, v_issuance_balance, v_issuance_sequence;
    IF NOT FOUND THEN RAISE EXCEPTION 'issuance account missing for %', v_account.partner_id; END IF;
    v_transfer := nextval('ledger_transfer_seq');
    e_account := e_account || ARRAY[v_issuance, v_account.id];
    e_kind := e_kind || ARRAY['issuance', 'organization'];
    e_organization := e_organization || ARRAY[NULL, p_organization]::uuid[];
    e_transfer := e_transfer || ARRAY[v_transfer, v_transfer];
    e_type := e_type || ARRAY['overage', 'overage'];
    e_amount := e_amount || ARRAY[-overage, overage];
    e_balance := e_balance || ARRAY[v_issuance_balance, v_balance + overage];
    e_sequence := e_sequence || ARRAY[v_issuance_sequence, v_sequence + 1];
    e_block := e_block || ARRAY[NULL, NULL]::uuid[];
    v_transfer := nextval('ledger_transfer_seq');
    v_sequence := v_sequence + 2;
    v_sink_sequence := v_sink_sequence + 1;
    v_sink_balance := v_sink_balance + overage;
    e_account := e_account || ARRAY[v_account.id, v_sink];
    e_kind := e_kind || ARRAY['organization', 'consumption'];
    e_organization := e_organization || ARRAY[p_organization, p_organization];
    e_transfer := e_transfer || ARRAY[v_transfer, v_transfer];
    e_type := e_type || ARRAY[p_entry_type, p_entry_type];
    e_amount := e_amount || ARRAY[-overage, overage];
    e_balance := e_balance || ARRAY[v_balance, v_sink_balance];
    e_sequence := e_sequence || ARRAY[v_sequence, v_sink_sequence];
    e_block := e_block || ARRAY[NULL, NULL]::uuid[];
  END IF;

  INSERT INTO entries (account_id, account_kind, partner_id, organization_id, credit_type,
      transfer_id, type, amount, balance_after, sequence, block_id, reason, reference, created_at)
    SELECT e.account, e.kind, v_account.partner_id, e.organization, p_credit_type, e.transfer,
      e.type, e.amount, e.balance, e.sequence, e.block, p_reason, p_reference, p_now
    FROM unnest(e_account, e_kind, e_organization, e_transfer, e_type, e_amount, e_balance,
      e_sequence, e_block)
      AS e(account, kind, organization, transfer, type, amount, balance, sequence, block);

  UPDATE accounts SET balance = v_balance, sequence = v_sequence,
      period_consumed = period_consumed + p_amount, period_overage = period_overage + overage
    WHERE id = v_account.id;
  IF p_key IS NOT NULL AND overage > 0 THEN
    UPDATE consumptions SET overage = ledger_consume.overage
      WHERE organization_id = p_organization AND idempotency_key = p_key;
  END IF;
  available := available - charged;
  outcome := 'consumed';
END
$fn$`;

// No `down`: dropped columns and records cannot be restored; restore a backup instead.
