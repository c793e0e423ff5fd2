import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { BillingMode, BillingPeriod, OrganizationStatus, Tier } from '@allot/domain';

/** timestamptz: read as Date, written as Date or ISO string. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** bigint credits, parsed to number (see connection.ts: values past 2^53 throw). */
type Credits = ColumnType<number, number | undefined, number>;

export interface PartnersTable {
  id: string;
  name: string;
  billing_mode: BillingMode;
  billing_period: BillingPeriod;
  billing_day_of_month: number;
  billing_anchor: Timestamp;
  /** What the pool holds at each period start. */
  pool_credits: Credits;
  /** The current pool period (its credits are on the partner's pool account). */
  pool_period_start: Timestamp;
  pool_period_end: Timestamp;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  partner_id: string;
  /** sha256 of the key: keys are 256-bit random, so a fast hash is enough and lookups stay O(1). */
  key_hash: Buffer;
  /** The first characters, to tell keys apart in a list. */
  prefix: string;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface OrganizationsTable {
  id: string;
  partner_id: string;
  name: string;
  external_id: string | null;
  owner_user_id: string | null;
  status: OrganizationStatus;
  tier: Tier;
  product_type: 'B2B' | 'B2C';
  billing_period: BillingPeriod;
  billing_day_of_month: number;
  billing_anchor: Timestamp;
  credit_allowance: Credits;
  metadata: ColumnType<Record<string, unknown>, string, string>;
  pixel_key: string;
  allowed_referrers: ColumnType<string[], string[] | undefined, string[]>;
  /** The current period (its credits are on the organization's accounts). */
  period_start: Timestamp;
  period_end: Timestamp;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface VisitorsTable {
  id: string;
  partner_id: string;
  organization_id: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  company_name: string | null;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
}

export interface IdentificationsTable {
  id: string;
  partner_id: string;
  organization_id: string;
  visitor_id: string;
  credits: Credits;
  identified_at: Timestamp;
}

export interface IdempotencyKeysTable {
  /** `partner:<id>` or `operator`: keys of different callers never collide. */
  scope: string;
  key: string;
  /** sha256 of the operation and its input. */
  fingerprint: string;
  response: ColumnType<unknown, string, string>;
  created_at: CreatedAt;
}

export interface CreditTypesTable {
  key: string;
  name: string;
  unit: string;
  created_at: CreatedAt;
}

export type AccountKind = 'issuance' | 'pool' | 'organization' | 'consumption' | 'expiry' | 'void';

export interface AccountsTable {
  id: string;
  partner_id: string;
  organization_id: string | null;
  kind: AccountKind;
  credit_type: string;
  balance: Credits;
  sequence: Credits;
  period_credited: Credits;
  period_consumed: Credits;
  period_overage: Credits;
  period_shortfall: Credits;
  created_at: CreatedAt;
}

export type BlockKind =
  | 'pool'
  | 'allocation'
  | 'renewal'
  | 'promotional'
  | 'purchased'
  | 'compensation'
  | 'top_up'
  | 'amendment';

export interface BlocksTable {
  id: string;
  account_id: string;
  kind: BlockKind;
  amount: Credits;
  remaining: Credits;
  /** remaining = 0, stored by PostgreSQL: the live-blocks index leaves spent blocks out. */
  spent: ColumnType<boolean, never, never>;
  priority: number;
  effective_at: Timestamp;
  expires_at: Timestamp | null;
  /** numeric: read as a decimal string, never a float. */
  cost_basis: string | null;
  reason: string | null;
  voided_at: Timestamp | null;
  expired_at: Timestamp | null;
  created_at: ColumnType<Date, Date | string, never>;
}

export interface BlockExpiryChangesTable {
  id: Generated<number>;
  block_id: string;
  previous_expires_at: Timestamp | null;
  expires_at: Timestamp | null;
  reason: string;
  created_at: Timestamp;
}

export type EntryType =
  | 'allocation'
  | 'reclaim'
  | 'increment'
  | 'decrement'
  | 'expiration'
  | 'void'
  | 'amendment'
  | 'renewal'
  | 'overage';

export interface EntriesTable {
  id: Generated<number>;
  account_id: string;
  account_kind: AccountKind;
  partner_id: string;
  organization_id: string | null;
  credit_type: string;
  transfer_id: number;
  type: EntryType;
  amount: number;
  balance_after: number;
  sequence: number;
  block_id: string | null;
  reason: string | null;
  reference: string | null;
  created_at: Timestamp;
}

/** A keyed consumption, kept so that a retry with its key replays it. */
export interface ConsumptionsTable {
  partner_id: string;
  organization_id: string;
  credit_type: string;
  idempotency_key: string;
  amount: number;
  overage: number;
  reference: string | null;
  created_at: Timestamp;
}

export interface Database {
  partners: PartnersTable;
  api_keys: ApiKeysTable;
  organizations: OrganizationsTable;
  visitors: VisitorsTable;
  identifications: IdentificationsTable;
  idempotency_keys: IdempotencyKeysTable;
  credit_types: CreditTypesTable;
  accounts: AccountsTable;
  blocks: BlocksTable;
  block_expiry_changes: BlockExpiryChangesTable;
  entries: EntriesTable;
  consumptions: ConsumptionsTable;
}

export type PartnerRow = Selectable<PartnersTable>;
export type OrganizationRow = Selectable<OrganizationsTable>;
export type NewOrganization = Insertable<OrganizationsTable>;
export type OrganizationUpdate = Updateable<OrganizationsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type AccountRow = Selectable<AccountsTable>;
export type BlockRow = Selectable<BlocksTable>;
export type EntryRow = Selectable<EntriesTable>;
