-- The baseline schema: every table, constraint and index, as they stand. Functions live one per
-- file in ./functions and triggers in triggers.sql; the baseline migration applies all three.
-- A change to the schema is a new migration, never an edit here.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Partners (agencies, resellers) and their credit pool's current period.
CREATE TABLE partners (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  billing_mode text NOT NULL CHECK (billing_mode IN ('credit_pool', 'external', 'usage_based')),
  billing_period text NOT NULL CHECK (billing_period IN ('monthly', 'quarterly', 'annually')),
  billing_day_of_month integer NOT NULL CHECK ((billing_day_of_month >= 1) AND (billing_day_of_month <= 28)),
  billing_anchor timestamptz NOT NULL,
  pool_credits bigint NOT NULL CHECK (pool_credits >= 0),
  pool_period_start timestamptz NOT NULL,
  pool_period_end timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id uuid PRIMARY KEY,
  partner_id uuid NOT NULL REFERENCES partners(id),
  key_hash bytea NOT NULL UNIQUE,
  prefix text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX api_keys_partner_idx ON api_keys (partner_id);

CREATE TABLE organizations (
  id uuid PRIMARY KEY,
  partner_id uuid NOT NULL REFERENCES partners(id),
  name text NOT NULL,
  external_id text,
  owner_user_id text,
  status text NOT NULL CHECK (status IN ('active', 'suspended', 'canceled')),
  tier text NOT NULL CHECK (tier IN ('trial', 'paid')),
  product_type text NOT NULL CHECK (product_type IN ('B2B', 'B2C')),
  billing_period text NOT NULL CHECK (billing_period IN ('monthly', 'quarterly', 'annually')),
  billing_day_of_month integer NOT NULL CHECK ((billing_day_of_month >= 1) AND (billing_day_of_month <= 28)),
  billing_anchor timestamptz NOT NULL,
  credit_allowance bigint NOT NULL CHECK (credit_allowance >= 0),
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  pixel_key text NOT NULL UNIQUE,
  allowed_referrers text[] NOT NULL DEFAULT '{}',
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX organizations_partner_external_id_key ON organizations (partner_id, external_id) WHERE (external_id IS NOT NULL);
CREATE INDEX organizations_partner_created_idx ON organizations (partner_id, created_at, id);
CREATE INDEX organizations_partner_period_end_idx ON organizations (partner_id, period_end);
-- Case-insensitive substring search on names stays fast at 100,000 organizations.
CREATE INDEX organizations_name_trgm_idx ON organizations USING gin (name gin_trgm_ops);

-- Visitors, keyed per organization by the pixel's first-party id (`client_id`), with the
-- identity, the ICP profiles matched, the engagement counters and the views per path (`pages`,
-- a capped jsonb map, so a page view updates one row).
CREATE TABLE visitors (
  id uuid PRIMARY KEY,
  partner_id uuid NOT NULL REFERENCES partners(id),
  organization_id uuid NOT NULL REFERENCES organizations(id),
  email text,
  first_name text,
  last_name text,
  company_name text,
  first_seen_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  client_id text NOT NULL,
  company_domain text,
  industry text,
  employee_count bigint,
  revenue bigint,
  country text,
  title text,
  linkedin_url text,
  identified_at timestamptz,
  identified_period_start timestamptz,
  icp_profile_ids uuid[] NOT NULL DEFAULT '{}',
  page_views bigint NOT NULL DEFAULT 0,
  sessions bigint NOT NULL DEFAULT 0,
  engaged_seconds bigint NOT NULL DEFAULT 0,
  pages jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX visitors_organization_last_seen_idx ON visitors (organization_id, last_seen_at DESC, id);
CREATE UNIQUE INDEX visitors_client_idx ON visitors (organization_id, client_id);

CREATE TABLE identifications (
  id uuid PRIMARY KEY,
  partner_id uuid NOT NULL REFERENCES partners(id),
  organization_id uuid NOT NULL REFERENCES organizations(id),
  visitor_id uuid NOT NULL REFERENCES visitors(id),
  credits bigint NOT NULL CHECK (credits >= 0),
  identified_at timestamptz NOT NULL,
  period_start timestamptz NOT NULL
);
CREATE INDEX identifications_partner_time_idx ON identifications (partner_id, identified_at);
CREATE INDEX identifications_organization_time_idx ON identifications (organization_id, identified_at);
-- The database's guarantee of at most one identification per visitor and period.
CREATE UNIQUE INDEX identifications_once_per_period_idx ON identifications (organization_id, visitor_id, period_start);
-- usage.recorded batches read the last hour of identifications of every partner.
CREATE INDEX identifications_time_idx ON identifications (identified_at);

CREATE TABLE idempotency_keys (
  scope text NOT NULL,
  key text NOT NULL,
  fingerprint text NOT NULL,
  response jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);

-- The double-entry credit ledger. Credits live in blocks on accounts; every movement is a
-- transfer between two accounts, written as two entries (one per account) that carry the
-- account's balance after them and its next sequence number (ledger_post).
CREATE TABLE credit_types (
  key text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
  name text NOT NULL,
  unit text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO credit_types (key, name, unit) VALUES ('identification', 'Identification', 'identified visitor');

-- One account per owner, kind and credit type. The issuance account is the operator's (one per
-- partner, so partners never contend on it) and the only one that may go negative. The
-- period_* counters hold the current period: what the account was given (a pool's total, an
-- organization's allocation), what it consumed, the overage past zero and any renewal
-- shortfall. `depleted` is set while an organization account sits at zero after a `depleted`
-- event, so `recovered` fires when it comes back; `watched`: it has balance alerts or an auto
-- top-up rule (see ledger_balance_crossed). Half of each page is left for HOT updates.
CREATE TABLE accounts (
  id uuid PRIMARY KEY,
  partner_id uuid NOT NULL REFERENCES partners(id),
  organization_id uuid REFERENCES organizations(id),
  kind text NOT NULL CHECK (kind IN ('issuance', 'pool', 'organization', 'consumption', 'expiry', 'void')),
  credit_type text NOT NULL REFERENCES credit_types(key),
  balance bigint NOT NULL DEFAULT 0,
  sequence bigint NOT NULL DEFAULT 0,
  period_credited bigint NOT NULL DEFAULT 0 CHECK (period_credited >= 0),
  period_consumed bigint NOT NULL DEFAULT 0 CHECK (period_consumed >= 0),
  period_overage bigint NOT NULL DEFAULT 0 CHECK (period_overage >= 0),
  period_shortfall bigint NOT NULL DEFAULT 0 CHECK (period_shortfall >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  depleted boolean NOT NULL DEFAULT false,
  watched boolean NOT NULL DEFAULT false,
  CONSTRAINT accounts_never_negative CHECK ((kind = 'issuance') OR (balance >= 0)),
  CONSTRAINT accounts_owner_matches_kind CHECK ((kind IN ('issuance', 'pool') = (organization_id IS NULL)) OR kind IN ('expiry', 'void')),
  CONSTRAINT accounts_owner_key UNIQUE NULLS NOT DISTINCT (partner_id, organization_id, kind, credit_type)
) WITH (fillfactor=50);
CREATE INDEX accounts_organization_idx ON accounts (organization_id, credit_type);

-- Blocks of credits. `spent` (remaining = 0, stored) keeps the live-blocks index to blocks that
-- still hold credits, so a burn reads a handful of rows however long the history; no index
-- mentions `remaining`, so burning is a HOT update.
CREATE TABLE blocks (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts(id),
  kind text NOT NULL CHECK (kind IN ('pool', 'allocation', 'renewal', 'promotional', 'purchased', 'compensation', 'top_up', 'amendment')),
  amount bigint NOT NULL CHECK (amount > 0),
  remaining bigint NOT NULL,
  priority integer NOT NULL CHECK ((priority >= 0) AND (priority <= 1000)),
  effective_at timestamptz NOT NULL,
  expires_at timestamptz,
  cost_basis numeric(20,8) CHECK (cost_basis >= 0),
  reason text,
  voided_at timestamptz,
  expired_at timestamptz,
  created_at timestamptz NOT NULL,
  spent boolean GENERATED ALWAYS AS (remaining = 0) STORED,
  CONSTRAINT blocks_check CHECK ((remaining >= 0) AND (remaining <= amount)),
  CONSTRAINT blocks_check1 CHECK ((expires_at IS NULL) OR (expires_at > effective_at))
) WITH (fillfactor=70);
CREATE INDEX blocks_expiring_idx ON blocks (expires_at) WHERE ((voided_at IS NULL) AND (expired_at IS NULL));
CREATE INDEX blocks_live_idx ON blocks (account_id, priority, expires_at, created_at, id) WHERE (NOT spent);
CREATE INDEX blocks_account_idx ON blocks (account_id);

CREATE TABLE block_expiry_changes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  block_id uuid NOT NULL REFERENCES blocks(id),
  previous_expires_at timestamptz,
  expires_at timestamptz,
  reason text NOT NULL,
  created_at timestamptz NOT NULL
);

-- Both entries of a transfer share its transfer_id; entries are numbered by the database (a
-- bigint keyset that cursors and streamed exports follow). Only ledger_post writes them, under
-- the account lock, so they carry no foreign key (a lookup and a KEY SHARE lock on a hot row).
CREATE SEQUENCE ledger_transfer_seq;

CREATE TABLE entries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id uuid NOT NULL,
  account_kind text NOT NULL,
  partner_id uuid NOT NULL,
  organization_id uuid,
  credit_type text NOT NULL,
  transfer_id bigint NOT NULL,
  type text NOT NULL CHECK (type IN ('allocation', 'reclaim', 'increment', 'decrement', 'expiration', 'void', 'amendment', 'renewal', 'overage')),
  amount bigint NOT NULL CHECK (amount <> 0),
  balance_after bigint NOT NULL,
  sequence bigint NOT NULL,
  block_id uuid,
  reason text,
  reference text,
  created_at timestamptz NOT NULL,
  CONSTRAINT entries_account_sequence_key UNIQUE (account_id, sequence)
);
-- The ledgers partners read (their pool and their organizations), in entry order; and the
-- movements that reports sum over a time range (consumption, overage, grants, expiry).
CREATE INDEX entries_partner_ledger_idx ON entries (partner_id, id) WHERE account_kind IN ('pool', 'organization');
CREATE INDEX entries_organization_ledger_idx ON entries (organization_id, id) WHERE (account_kind = 'organization');
CREATE INDEX entries_partner_consumption_idx ON entries (partner_id, created_at) WHERE ((account_kind = 'consumption') OR type IN ('overage', 'increment', 'expiration'));

-- A consumption with an idempotency key: the record a retry with the same key answers.
CREATE TABLE consumptions (
  partner_id uuid NOT NULL,
  organization_id uuid NOT NULL,
  credit_type text NOT NULL,
  idempotency_key text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  overage bigint NOT NULL CHECK (overage >= 0),
  reference text,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (organization_id, idempotency_key)
);

CREATE TABLE icp_profiles (
  id uuid PRIMARY KEY,
  partner_id uuid NOT NULL REFERENCES partners(id),
  organization_id uuid NOT NULL REFERENCES organizations(id),
  name text NOT NULL,
  rules jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX icp_profiles_name_idx ON icp_profiles (organization_id, lower(name));

-- Accepted and refused pixel events per organization and day, in a few shards: each event's
-- transaction holds its counter row until commit, and one row per organization would queue all
-- of a busy site's events behind each other's commits.
CREATE TABLE pixel_daily (
  organization_id uuid NOT NULL REFERENCES organizations(id),
  partner_id uuid NOT NULL REFERENCES partners(id),
  day date NOT NULL,
  shard smallint NOT NULL,
  events bigint NOT NULL DEFAULT 0,
  refused bigint NOT NULL DEFAULT 0,
  last_event_at timestamptz,
  PRIMARY KEY (organization_id, day, shard)
);
CREATE INDEX pixel_daily_partner_idx ON pixel_daily (partner_id, day);

-- The outbox: every event a partner can receive, written in the transaction of the change it
-- describes. `dedupe_key` makes an event that must exist once (a usage batch) idempotent.
CREATE TABLE events (
  id uuid PRIMARY KEY,
  partner_id uuid NOT NULL REFERENCES partners(id),
  organization_id uuid,
  type text NOT NULL,
  data jsonb NOT NULL,
  dedupe_key text UNIQUE,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX events_partner_idx ON events (partner_id, created_at, id);

CREATE TABLE balance_alerts (
  organization_id uuid NOT NULL REFERENCES organizations(id),
  credit_type text NOT NULL REFERENCES credit_types(key),
  partner_id uuid NOT NULL REFERENCES partners(id),
  thresholds jsonb NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (organization_id, credit_type)
);

CREATE TABLE auto_top_up_rules (
  organization_id uuid NOT NULL REFERENCES organizations(id),
  credit_type text NOT NULL REFERENCES credit_types(key),
  partner_id uuid NOT NULL REFERENCES partners(id),
  threshold bigint NOT NULL CHECK (threshold >= 0),
  amount bigint NOT NULL CHECK (amount > 0),
  max_per_period integer NOT NULL CHECK (max_per_period > 0),
  expires_after_days integer CHECK (expires_after_days > 0),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (organization_id, credit_type)
);

-- One row per downward crossing of a rule's threshold, applied by the job worker.
CREATE TABLE auto_top_ups (
  id uuid PRIMARY KEY,
  partner_id uuid NOT NULL REFERENCES partners(id),
  organization_id uuid NOT NULL REFERENCES organizations(id),
  credit_type text NOT NULL,
  threshold bigint NOT NULL,
  amount bigint NOT NULL,
  max_per_period integer NOT NULL,
  expires_after_days integer,
  balance bigint NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'failed')),
  reason text,
  grant_id uuid,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  processed_at timestamptz
);
CREATE INDEX auto_top_ups_pending_idx ON auto_top_ups (created_at) WHERE (status = 'pending');
CREATE INDEX auto_top_ups_organization_idx ON auto_top_ups (organization_id, created_at);

-- Where a partner receives events, and which types (an empty filter is all). The signing
-- secret is stored as is, unlike API keys: the sender must hold it to sign every delivery.
CREATE TABLE webhook_endpoints (
  id uuid PRIMARY KEY,
  partner_id uuid NOT NULL REFERENCES partners(id),
  url text NOT NULL,
  description text,
  event_types text[] NOT NULL DEFAULT '{}',
  enabled boolean NOT NULL DEFAULT true,
  secret text NOT NULL,
  disabled_reason text,
  last_success_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_partner_idx ON webhook_endpoints (partner_id, created_at, id);

-- One per event and endpoint, the unit of retry. A worker claims a due delivery by setting
-- `lease_until` and moving `next_attempt_at` to the lease's end, so a worker that dies
-- mid-attempt leaves a delivery that falls due again; 'infinity' parks a disabled endpoint's.
CREATE TABLE webhook_deliveries (
  id uuid PRIMARY KEY,
  partner_id uuid NOT NULL,
  endpoint_id uuid NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  lease_until timestamptz,
  last_status_code integer,
  failure_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT webhook_deliveries_check CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL)),
  CONSTRAINT webhook_deliveries_endpoint_id_event_id_key UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE (status = 'pending');
CREATE INDEX webhook_deliveries_log_idx ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);

CREATE TABLE webhook_attempts (
  id uuid PRIMARY KEY,
  delivery_id uuid NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
  attempted_at timestamptz NOT NULL,
  status_code integer,
  latency_ms integer NOT NULL,
  error text,
  response_excerpt text
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, attempted_at);

-- The people who sign in to the admin app: one partner each; an email is compared without
-- case; only an argon2id hash of the password is kept.
CREATE TABLE users (
  id uuid PRIMARY KEY,
  partner_id uuid NOT NULL REFERENCES partners(id),
  email text NOT NULL CHECK (email = lower(email)),
  password_hash text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'member')),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_login_at timestamptz,
  disabled_at timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_partner_idx ON users (partner_id, created_at);

-- Only sha256 of the session token is kept; `expires_at` is the absolute end, the idle limit is
-- read from `last_seen_at`.
CREATE TABLE sessions (
  id uuid PRIMARY KEY,
  token_hash bytea NOT NULL UNIQUE,
  user_id uuid NOT NULL REFERENCES users(id),
  partner_id uuid NOT NULL REFERENCES partners(id),
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
