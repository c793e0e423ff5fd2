import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';
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
  /** The current pool period: its bounds, its total and what is drawn from it. */
  pool_period_start: Timestamp;
  pool_period_end: Timestamp;
  pool_total: Credits;
  pool_allocated: Credits;
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
  /** The current period, its allocation and consumption. */
  period_start: Timestamp;
  period_end: Timestamp;
  credits_allocated: Credits;
  credits_consumed: Credits;
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

export interface Database {
  partners: PartnersTable;
  api_keys: ApiKeysTable;
  organizations: OrganizationsTable;
  visitors: VisitorsTable;
  identifications: IdentificationsTable;
  idempotency_keys: IdempotencyKeysTable;
}

export type PartnerRow = Selectable<PartnersTable>;
export type OrganizationRow = Selectable<OrganizationsTable>;
export type NewOrganization = Insertable<OrganizationsTable>;
export type OrganizationUpdate = Updateable<OrganizationsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
