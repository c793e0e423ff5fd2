-- Consumes an organization's credits in one round trip: all or nothing, in burn order, past
-- zero only where overage is allowed, at most once per idempotency key. A refusal records
-- nothing; `available`, the credits that were spendable, is reported with a refusal for want of
-- them (`insufficient_credits`) and is null otherwise. The pixel, the consumptions API and negative amendments all burn through it.
-- Locks: the organization's account first (held until commit: one organization's burns queue
-- here), then the sinks ledger_post writes (its consumption sink, the issuance account for
-- overage): nobody else takes them while waiting for this account. Each account is written
-- once, by ledger_post, which also counts the period's consumption and overage.
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
  v_issuance uuid;
  v_from uuid[];
  v_to uuid[];
  v_types text[];
  v_n integer;
BEGIN
  charged := 0; overage := 0;
  SELECT a.id, a.partner_id, s.id AS sink, o.status, o.period_end, p.billing_mode
    INTO v_account
    FROM accounts a
    JOIN organizations o ON o.id = a.organization_id
    JOIN partners p ON p.id = a.partner_id
    JOIN accounts s ON s.organization_id = a.organization_id AND s.kind = 'consumption'
      AND s.credit_type = a.credit_type
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
  -- A suspended organization consumes nothing; an amendment (a partner's correction) still
  -- applies. An ended period is renewed first, by the caller.
  IF v_account.status <> 'active' AND p_entry_type = 'decrement' THEN
    outcome := 'organization_inactive';
  ELSIF v_account.period_end <= p_now THEN
    outcome := 'renewal_due';
  ELSE
    -- The usual burn: the first block in burn order covers it all. One block, one transfer, no
    -- arrays to build.
    SELECT id, remaining INTO v_block FROM spendable_blocks(v_account.id, p_now) LIMIT 1;
    IF FOUND AND v_block.remaining >= p_amount THEN
      UPDATE blocks SET remaining = remaining - p_amount WHERE id = v_block.id;
      PERFORM ledger_post(ARRAY[v_account.id], ARRAY[v_account.sink], ARRAY[p_amount],
        ARRAY[p_entry_type], ARRAY[v_block.id], ARRAY[v_block.id], ARRAY[p_reason],
        ARRAY[p_reference], p_now);
      charged := p_amount; available := NULL; outcome := 'consumed';
      RETURN;
    END IF;
    available := 0;
    FOR v_block IN SELECT id, remaining FROM spendable_blocks(v_account.id, p_now) LOOP
      available := available + v_block.remaining;
      IF v_left > 0 THEN
        v_take := least(v_block.remaining, v_left);
        v_blocks := v_blocks || v_block.id;
        v_takes := v_takes || v_take;
        v_left := v_left - v_take;
      END IF;
    END LOOP;
    IF v_left > 0 AND NOT ledger_allows_overage(v_account.billing_mode) THEN
      outcome := 'insufficient_credits';
    END IF;
  END IF;
  -- A refusal records nothing: the claimed key is given back.
  IF outcome IS NOT NULL THEN
    IF p_key IS NOT NULL THEN
      DELETE FROM consumptions WHERE organization_id = p_organization AND idempotency_key = p_key;
    END IF;
    RETURN;
  END IF;
  charged := p_amount - v_left;
  overage := v_left;

  UPDATE blocks b SET remaining = b.remaining - t.take
    FROM unnest(v_blocks, v_takes) AS t(id, take) WHERE b.id = t.id;

  -- One transfer to the sink per block drawn; then, in usage_based, the rest is issued to the
  -- organization as overage and consumed at once, so its balance never goes below zero.
  v_n := coalesce(array_length(v_blocks, 1), 0);
  v_from := array_fill(v_account.id, ARRAY[v_n]);
  v_to := array_fill(v_account.sink, ARRAY[v_n]);
  v_types := array_fill(p_entry_type, ARRAY[v_n]);
  IF overage > 0 THEN
    SELECT id INTO STRICT v_issuance FROM accounts
      WHERE partner_id = v_account.partner_id AND organization_id IS NULL
        AND kind = 'issuance' AND credit_type = p_credit_type;
    v_from := v_from || ARRAY[v_issuance, v_account.id];
    v_to := v_to || ARRAY[v_account.id, v_account.sink];
    v_takes := v_takes || ARRAY[overage, overage];
    v_types := v_types || ARRAY['overage', p_entry_type];
    v_blocks := v_blocks || ARRAY[NULL, NULL]::uuid[];
    v_n := v_n + 2;
  END IF;
  PERFORM ledger_post(v_from, v_to, v_takes, v_types, v_blocks, v_blocks,
    array_fill(p_reason, ARRAY[v_n]), array_fill(p_reference, ARRAY[v_n]), p_now);

  IF p_key IS NOT NULL AND overage > 0 THEN
    UPDATE consumptions SET overage = ledger_consume.overage
      WHERE organization_id = p_organization AND idempotency_key = p_key;
  END IF;
  available := NULL;
  outcome := 'consumed';
END
$fn$;
