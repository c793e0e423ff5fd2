import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
//
// The double-entry credit ledger. Credits live in blocks on accounts; every movement is a
// transfer between two accounts, written as two entries (one per account) that carry the
// account's balance after them and its next sequence number. The counters the foundation kept
// on partner and organization rows move onto the accounts.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE credit_types (
      key text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
      name text NOT NULL,
      unit text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    INSERT INTO credit_types (key, name, unit)
    VALUES ('identification', 'Identification', 'identified visitor')`.execute(db);

  // One account per owner, kind and credit type. The issuance account is the operator's
  // (one per partner, so partners never contend on it) and the only one that may go negative.
  await sql`
    CREATE TABLE accounts (
      id uuid PRIMARY KEY,
      partner_id uuid NOT NULL REFERENCES partners (id),
      organization_id uuid REFERENCES organizations (id),
      kind text NOT NULL CHECK (kind IN ('issuance', 'pool', 'organization', 'consumption', 'expiry', 'void')),
      credit_type text NOT NULL REFERENCES credit_types (key),
      balance bigint NOT NULL DEFAULT 0,
      sequence bigint NOT NULL DEFAULT 0,
      -- The current period: what the account was given (a pool's total, an organization's
      -- allocation), what it consumed, the overage past zero and any renewal shortfall.
      period_credited bigint NOT NULL DEFAULT 0 CHECK (period_credited >= 0),
      period_consumed bigint NOT NULL DEFAULT 0 CHECK (period_consumed >= 0),
      period_overage bigint NOT NULL DEFAULT 0 CHECK (period_overage >= 0),
      period_shortfall bigint NOT NULL DEFAULT 0 CHECK (period_shortfall >= 0),
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT accounts_owner_key UNIQUE NULLS NOT DISTINCT (partner_id, organization_id, kind, credit_type),
      CONSTRAINT accounts_never_negative CHECK (kind = 'issuance' OR balance >= 0),
      CONSTRAINT accounts_owner_matches_kind CHECK (
        (kind IN ('issuance', 'pool')) = (organization_id IS NULL) OR kind IN ('expiry', 'void'))
    )`.execute(db);
  await sql`CREATE INDEX accounts_organization_idx ON accounts (organization_id, credit_type)`.execute(
    db,
  );

  await sql`
    CREATE TABLE blocks (
      id uuid PRIMARY KEY,
      account_id uuid NOT NULL REFERENCES accounts (id),
      kind text NOT NULL CHECK (kind IN ('pool', 'allocation', 'renewal', 'promotional', 'purchased',
        'compensation', 'top_up', 'amendment')),
      amount bigint NOT NULL CHECK (amount > 0),
      remaining bigint NOT NULL CHECK (remaining >= 0 AND remaining <= amount),
      priority integer NOT NULL CHECK (priority BETWEEN 0 AND 1000),
      effective_at timestamptz NOT NULL,
      expires_at timestamptz,
      cost_basis numeric(20, 8) CHECK (cost_basis >= 0),
      reason text,
      voided_at timestamptz,
      expired_at timestamptz,
      created_at timestamptz NOT NULL,
      CHECK (expires_at IS NULL OR expires_at > effective_at)
    )`.execute(db);
  // Burn order, over the blocks that still hold credits only: a consumption reads a handful of
  // rows however long the account's history.
  await sql`
    CREATE INDEX blocks_burn_order_idx ON blocks
      (account_id, priority, expires_at NULLS LAST, created_at, id) WHERE remaining > 0`.execute(
    db,
  );
  await sql`CREATE INDEX blocks_account_created_idx ON blocks (account_id, created_at, id)`.execute(
    db,
  );
  await sql`CREATE INDEX blocks_expiring_idx ON blocks (expires_at) WHERE remaining > 0`.execute(
    db,
  );

  await sql`
    CREATE TABLE block_expiry_changes (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      block_id uuid NOT NULL REFERENCES blocks (id),
      previous_expires_at timestamptz,
      expires_at timestamptz,
      reason text NOT NULL,
      created_at timestamptz NOT NULL
    )`.execute(db);

  // Both entries of a transfer share its transfer_id; entries are numbered by the database
  // (a bigint keyset that cursors and streamed exports follow).
  await sql`CREATE SEQUENCE ledger_transfer_seq`.execute(db);
  await sql`
    CREATE TABLE entries (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      account_id uuid NOT NULL REFERENCES accounts (id),
      account_kind text NOT NULL,
      partner_id uuid NOT NULL,
      organization_id uuid,
      credit_type text NOT NULL,
      transfer_id bigint NOT NULL,
      type text NOT NULL CHECK (type IN ('allocation', 'reclaim', 'increment', 'decrement',
        'expiration', 'void', 'amendment', 'renewal', 'overage')),
      amount bigint NOT NULL CHECK (amount <> 0),
      balance_after bigint NOT NULL,
      sequence bigint NOT NULL,
      block_id uuid,
      reason text,
      reference text,
      created_at timestamptz NOT NULL,
      CONSTRAINT entries_account_sequence_key UNIQUE (account_id, sequence)
    )`.execute(db);
  // The ledgers partners read (their pool and their organizations), in entry order; and the
  // movements that reports sum over a time range (consumption, overage, grants, expiry).
  await sql`
    CREATE INDEX entries_partner_ledger_idx ON entries (partner_id, id)
      WHERE account_kind IN ('pool', 'organization')`.execute(db);
  await sql`
    CREATE INDEX entries_organization_ledger_idx ON entries (organization_id, id)
      WHERE account_kind = 'organization'`.execute(db);
  await sql`
    CREATE INDEX entries_partner_consumption_idx ON entries (partner_id, created_at)
      WHERE account_kind = 'consumption' OR type IN ('overage', 'increment', 'expiration')`.execute(
    db,
  );

  // One row per consumption: the idempotency record (a retry with the same key returns it)
  // and what usage reports count.
  await sql`
    CREATE TABLE consumptions (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      partner_id uuid NOT NULL,
      organization_id uuid NOT NULL REFERENCES organizations (id),
      credit_type text NOT NULL,
      idempotency_key text,
      amount bigint NOT NULL CHECK (amount > 0),
      overage bigint NOT NULL CHECK (overage >= 0),
      reference text,
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`
    CREATE UNIQUE INDEX consumptions_key_idx ON consumptions (organization_id, idempotency_key)
      WHERE idempotency_key IS NOT NULL`.execute(db);
  await sql`CREATE INDEX consumptions_partner_time_idx ON consumptions (partner_id, created_at)`.execute(
    db,
  );

  await openExistingBooks(db);

  await sql`ALTER TABLE partners DROP CONSTRAINT partners_pool_not_overallocated`.execute(db);
  await sql`
    ALTER TABLE partners DROP COLUMN pool_total, DROP COLUMN pool_allocated`.execute(db);
  await sql`
    ALTER TABLE organizations DROP COLUMN credits_allocated, DROP COLUMN credits_consumed`.execute(
    db,
  );

  await sql`
    CREATE FUNCTION ledger_lock_rank(kind text) RETURNS integer IMMUTABLE LANGUAGE sql AS $$
      SELECT CASE kind WHEN 'pool' THEN 0 WHEN 'organization' THEN 1 WHEN 'consumption' THEN 2
        WHEN 'expiry' THEN 3 WHEN 'void' THEN 4 ELSE 5 END
    $$`.execute(db);

  await sql.raw(CONSUME_FUNCTION).execute(db);
}

/**
 * Partners and organizations that exist before the ledger get their accounts, and what the old
 * counters held becomes an opening balance, so no credit is lost in the move: an undrawn pool
 * remainder and an organization's unspent allocation, each a block that lapses with its period.
 */
async function openExistingBooks(db: Kysely<any>): Promise<void> {
  await sql`
    INSERT INTO accounts (id, partner_id, organization_id, kind, credit_type, period_credited)
    SELECT gen_random_uuid(), p.id, NULL, k.kind, 'identification',
      CASE WHEN k.kind = 'pool' AND p.billing_mode = 'credit_pool' THEN p.pool_total ELSE 0 END
    FROM partners p, unnest(ARRAY['issuance', 'pool', 'expiry', 'void']) AS k(kind)`.execute(db);
  await sql`
    INSERT INTO accounts (id, partner_id, organization_id, kind, credit_type, period_credited,
      period_consumed)
    SELECT gen_random_uuid(), o.partner_id, o.id, k.kind, 'identification',
      CASE WHEN k.kind = 'organization' THEN o.credits_allocated ELSE 0 END,
      CASE WHEN k.kind = 'organization' THEN least(o.credits_consumed, o.credits_allocated) ELSE 0 END
    FROM organizations o, unnest(ARRAY['organization', 'consumption', 'expiry', 'void']) AS k(kind)`.execute(
    db,
  );
  // The opening transfers: from each partner's issuance account to its pool and organizations.
  await sql`
    CREATE TEMPORARY TABLE opening ON COMMIT DROP AS
    SELECT p.id AS partner_id, a.id AS account_id, 'pool' AS account_kind, NULL::uuid AS organization_id,
      p.pool_total - p.pool_allocated AS amount, 'pool' AS block_kind,
      p.pool_period_start AS effective_at, p.pool_period_end AS expires_at, 'renewal' AS type
    FROM partners p JOIN accounts a ON a.partner_id = p.id AND a.kind = 'pool'
    WHERE p.billing_mode = 'credit_pool' AND p.pool_total > p.pool_allocated
    UNION ALL
    SELECT o.partner_id, a.id, 'organization', o.id, o.credits_allocated - o.credits_consumed,
      'allocation', o.period_start, o.period_end, 'allocation'
    FROM organizations o JOIN accounts a ON a.organization_id = o.id AND a.kind = 'organization'
    WHERE o.credits_allocated > o.credits_consumed`.execute(db);
  await sql`ALTER TABLE opening ADD COLUMN block_id uuid DEFAULT gen_random_uuid(),
    ADD COLUMN transfer_id bigint DEFAULT nextval('ledger_transfer_seq')`.execute(db);
  await sql`
    INSERT INTO blocks (id, account_id, kind, amount, remaining, priority, effective_at, expires_at,
      reason, created_at)
    SELECT block_id, account_id, block_kind, amount, amount, 50, effective_at, expires_at,
      'Opening balance', now()
    FROM opening`.execute(db);
  await sql`
    INSERT INTO entries (account_id, account_kind, partner_id, organization_id, credit_type,
      transfer_id, type, amount, balance_after, sequence, block_id, reason, created_at)
    SELECT account_id, account_kind, partner_id, organization_id, 'identification', transfer_id,
      type, amount, amount, 1, block_id, 'Opening balance', now()
    FROM opening
    UNION ALL
    SELECT i.id, 'issuance', o.partner_id, NULL, 'identification', o.transfer_id, o.type, -o.amount,
      -sum(o.amount) OVER w, row_number() OVER w, NULL, 'Opening balance', now()
    FROM opening o JOIN accounts i ON i.partner_id = o.partner_id AND i.kind = 'issuance'
    WINDOW w AS (PARTITION BY o.partner_id ORDER BY o.transfer_id)`.execute(db);
  await sql`
    UPDATE accounts a SET balance = t.balance, sequence = t.sequence
    FROM (SELECT account_id, sum(amount) AS balance, count(*) AS sequence
          FROM entries GROUP BY account_id) t
    WHERE a.id = t.account_id`.execute(db);
}

/**
 * The hot path: one round trip that burns an organization's credits in burn order. It runs
 * inside PostgreSQL so a consumption costs one statement's latency, not a dozen round trips.
 * Lock order, the same as every other ledger write: the organization account, then its
 * consumption sink, then the issuance account.
 */
const CONSUME_FUNCTION = `
CREATE FUNCTION ledger_consume(
  p_organization uuid, p_credit_type text, p_amount bigint, p_key text, p_reference text,
  p_entry_type text, p_reason text, p_now timestamptz,
  OUT outcome text, OUT charged bigint, OUT overage bigint, OUT available bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_partner uuid;
  v_status text;
  v_period_end timestamptz;
  v_mode text;
  v_account accounts%ROWTYPE;
  v_sink accounts%ROWTYPE;
  v_issuance accounts%ROWTYPE;
  v_block record;
  v_left bigint := p_amount;
  v_take bigint;
  v_transfer bigint;
  v_prior record;
BEGIN
  charged := 0; overage := 0; available := 0;
  SELECT o.partner_id, o.status, o.period_end, p.billing_mode
    INTO v_partner, v_status, v_period_end, v_mode
    FROM organizations o JOIN partners p ON p.id = o.partner_id
    WHERE o.id = p_organization;
  IF NOT FOUND THEN outcome := 'not_found'; RETURN; END IF;

  SELECT * INTO v_account FROM accounts
    WHERE partner_id = v_partner AND organization_id = p_organization
      AND kind = 'organization' AND credit_type = p_credit_type
    FOR UPDATE;
  IF NOT FOUND THEN outcome := 'no_account'; RETURN; END IF;

  -- Checked under the account lock: a concurrent consumption with this key has committed by now.
  IF p_key IS NOT NULL THEN
    SELECT c.amount, c.overage INTO v_prior FROM consumptions c
      WHERE c.organization_id = p_organization AND c.idempotency_key = p_key;
    IF FOUND THEN
      outcome := 'replayed'; charged := v_prior.amount - v_prior.overage;
      overage := v_prior.overage; RETURN;
    END IF;
  END IF;
  -- A suspended organization consumes nothing; an amendment (a partner's correction) still applies.
  IF v_status <> 'active' AND p_entry_type = 'decrement' THEN
    outcome := 'organization_inactive'; RETURN;
  END IF;
  IF v_period_end <= p_now THEN outcome := 'renewal_due'; RETURN; END IF;

  SELECT coalesce(sum(remaining), 0) INTO available FROM blocks
    WHERE account_id = v_account.id AND remaining > 0 AND voided_at IS NULL
      AND effective_at <= p_now AND (expires_at IS NULL OR expires_at > p_now);
  IF available < p_amount AND v_mode <> 'usage_based' THEN
    outcome := 'insufficient_credits'; RETURN;
  END IF;

  SELECT * INTO v_sink FROM accounts
    WHERE partner_id = v_partner AND organization_id = p_organization
      AND kind = 'consumption' AND credit_type = p_credit_type
    FOR UPDATE;
  IF NOT FOUND THEN outcome := 'no_account'; RETURN; END IF;

  FOR v_block IN
    SELECT id, remaining FROM blocks
      WHERE account_id = v_account.id AND remaining > 0 AND voided_at IS NULL
        AND effective_at <= p_now AND (expires_at IS NULL OR expires_at > p_now)
      ORDER BY priority, expires_at NULLS LAST, created_at, id
  LOOP
    EXIT WHEN v_left = 0;
    v_take := least(v_block.remaining, v_left);
    UPDATE blocks SET remaining = remaining - v_take WHERE id = v_block.id;
    v_transfer := nextval('ledger_transfer_seq');
    v_account.balance := v_account.balance - v_take;
    v_account.sequence := v_account.sequence + 1;
    v_sink.balance := v_sink.balance + v_take;
    v_sink.sequence := v_sink.sequence + 1;
    INSERT INTO entries (account_id, account_kind, partner_id, organization_id, credit_type,
        transfer_id, type, amount, balance_after, sequence, block_id, reason, reference, created_at)
      VALUES
        (v_account.id, 'organization', v_partner, p_organization, p_credit_type, v_transfer,
         p_entry_type, -v_take, v_account.balance, v_account.sequence, v_block.id, p_reason,
         p_reference, p_now),
        (v_sink.id, 'consumption', v_partner, p_organization, p_credit_type, v_transfer,
         p_entry_type, v_take, v_sink.balance, v_sink.sequence, v_block.id, p_reason,
         p_reference, p_now);
    v_left := v_left - v_take;
  END LOOP;
  charged := p_amount - v_left;

  -- usage_based only: the rest is issued on credit to the organization as overage and
  -- consumed at once, so the organization's balance never goes below zero.
  IF v_left > 0 THEN
    SELECT * INTO v_issuance FROM accounts
      WHERE partner_id = v_partner AND organization_id IS NULL
        AND kind = 'issuance' AND credit_type = p_credit_type
      FOR UPDATE;
    IF NOT FOUND THEN RAISE EXCEPTION 'issuance account missing for partner %', v_partner; END IF;
    overage := v_left;
    v_transfer := nextval('ledger_transfer_seq');
    v_issuance.balance := v_issuance.balance - v_left;
    v_issuance.sequence := v_issuance.sequence + 1;
    v_account.sequence := v_account.sequence + 1;
    INSERT INTO entries (account_id, account_kind, partner_id, organization_id, credit_type,
        transfer_id, type, amount, balance_after, sequence, block_id, reason, reference, created_at)
      VALUES
        (v_issuance.id, 'issuance', v_partner, NULL, p_credit_type, v_transfer, 'overage',
         -v_left, v_issuance.balance, v_issuance.sequence, NULL, p_reason, p_reference, p_now),
        (v_account.id, 'organization', v_partner, p_organization, p_credit_type, v_transfer,
         'overage', v_left, v_account.balance + v_left, v_account.sequence, NULL, p_reason,
         p_reference, p_now);
    v_transfer := nextval('ledger_transfer_seq');
    v_account.sequence := v_account.sequence + 1;
    v_sink.balance := v_sink.balance + v_left;
    v_sink.sequence := v_sink.sequence + 1;
    INSERT INTO entries (account_id, account_kind, partner_id, organization_id, credit_type,
        transfer_id, type, amount, balance_after, sequence, block_id, reason, reference, created_at)
      VALUES
        (v_account.id, 'organization', v_partner, p_organization, p_credit_type, v_transfer,
         p_entry_type, -v_left, v_account.balance, v_account.sequence, NULL, p_reason,
         p_reference, p_now),
        (v_sink.id, 'consumption', v_partner, p_organization, p_credit_type, v_transfer,
         p_entry_type, v_left, v_sink.balance, v_sink.sequence, NULL, p_reason, p_reference,
         p_now);
    UPDATE accounts SET balance = v_issuance.balance, sequence = v_issuance.sequence
      WHERE id = v_issuance.id;
  END IF;

  UPDATE accounts SET balance = v_account.balance, sequence = v_account.sequence,
      period_consumed = period_consumed + p_amount, period_overage = period_overage + overage
    WHERE id = v_account.id;
  UPDATE accounts SET balance = v_sink.balance, sequence = v_sink.sequence WHERE id = v_sink.id;
  INSERT INTO consumptions (partner_id, organization_id, credit_type, idempotency_key, amount,
      overage, reference, created_at)
    VALUES (v_partner, p_organization, p_credit_type, p_key, p_amount, overage, p_reference, p_now);
  available := available - charged;
  outcome := 'consumed';
END
$fn$`;

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP FUNCTION ledger_consume`.execute(db);
  await sql`DROP FUNCTION ledger_lock_rank`.execute(db);
  for (const table of [
    'consumptions',
    'entries',
    'block_expiry_changes',
    'blocks',
    'accounts',
    'credit_types',
  ]) {
    await db.schema.dropTable(table).execute();
  }
  await sql`DROP SEQUENCE ledger_transfer_seq`.execute(db);
  await sql`
    ALTER TABLE partners ADD COLUMN pool_total bigint NOT NULL DEFAULT 0,
      ADD COLUMN pool_allocated bigint NOT NULL DEFAULT 0`.execute(db);
  await sql`
    ALTER TABLE organizations ADD COLUMN credits_allocated bigint NOT NULL DEFAULT 0,
      ADD COLUMN credits_consumed bigint NOT NULL DEFAULT 0`.execute(db);
}
