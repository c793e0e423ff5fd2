import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type {
  AccountKind,
  BillingMode,
  BlockKind,
  EmailSource,
  EntryType,
  BillingPeriod,
  IcpRules,
  OrganizationStatus,
  Tier,
  UserRole,
} from '@allot/domain';

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

export interface UsersTable {
  id: string;
  partner_id: string;
  /** Lowercased: addresses are compared without case. */
  email: string;
  /** argon2id, in its PHC string form (algorithm, parameters and salt included). */
  password_hash: string;
  role: UserRole;
  created_at: CreatedAt;
  last_login_at: Timestamp | null;
  disabled_at: Timestamp | null;
}

export interface SessionsTable {
  id: string;
  /** sha256 of the session token: the cookie holds the token, the database never does. */
  token_hash: Buffer;
  user_id: string;
  partner_id: string;
  created_at: Timestamp;
  /** Read for the idle limit; written at most once a minute. */
  last_seen_at: Timestamp;
  /** The absolute end, however active the session. */
  expires_at: Timestamp;
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
  /**
   * Where the period whose identifications are charged began: the natural key's period. Set by
   * creation and renewal; a billing-cycle change leaves it, so nobody is charged twice for one.
   */
  charge_period_start: Timestamp;
  /** The most identifications charged per billing period and per UTC day; null: no cap. */
  identification_cap_period: number | null;
  identification_cap_day: number | null;
  /** The most new identifications charged per hour from one network; null: no guard. */
  anomaly_threshold: Generated<number | null>;
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
  /** The pixel's first-party visitor id, unique per organization. */
  client_id: string;
  company_domain: string | null;
  industry: string | null;
  employee_count: number | null;
  revenue: number | null;
  country: string | null;
  title: string | null;
  linkedin_url: string | null;
  identified_at: Timestamp | null;
  /** The organization period the visitor was last identified (and charged) in. */
  identified_period_start: Timestamp | null;
  icp_profile_ids: ColumnType<string[], string[] | undefined, string[]>;
  page_views: Generated<number>;
  sessions: Generated<number>;
  engaged_seconds: Generated<number>;
  /** Views per path, at most MAX_TRACKED_PAGES paths. */
  pages: ColumnType<Record<string, number>, string | undefined, string>;
  /** `identity`: resolved by the identity source; `page`: self-declared through `identify`. */
  email_source: ColumnType<EmailSource | null, EmailSource | null | undefined, EmailSource | null>;
  /** The identity this visitor resolved to: browsers of one company or person share it. */
  identity_id: ColumnType<string | null, string | null | undefined, string | null>;
}

/** One per organization and identity key (`identityKey` in domain): the unit of charge. */
export interface IdentitiesTable {
  id: string;
  partner_id: string;
  organization_id: string;
  key: string;
  created_at: Timestamp;
}

export interface IdentificationsTable {
  id: string;
  partner_id: string;
  organization_id: string;
  visitor_id: string;
  credits: Credits;
  identified_at: Timestamp;
  period_start: Timestamp;
  /** The identity charged; null only for identifications made before identities existed. */
  identity_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface IcpProfilesTable {
  id: string;
  partner_id: string;
  organization_id: string;
  name: string;
  rules: ColumnType<IcpRules, string, string>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface PixelDailyTable {
  organization_id: string;
  partner_id: string;
  day: ColumnType<string, string, string>;
  /** Counters are spread over a few rows per day (see PIXEL_COUNTER_SHARDS), summed on read. */
  shard: number;
  events: Generated<number>;
  refused: Generated<number>;
  /** Events from crawlers and automated browsers: counted, never stored or identified. */
  bots: Generated<number>;
  last_event_at: Timestamp | null;
}

/** Identifications charged per organization and window (`period:`, `day:`, `network:`). */
export interface ChargeWindowsTable {
  organization_id: string;
  scope: string;
  identifications: number;
  expires_at: Timestamp;
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
  /** A monetary credit type's currency (one credit is one minor unit); null for units. */
  currency: string | null;
  created_at: CreatedAt;
}

/** Prices are `numeric`, read as exact decimal strings. */
export interface PartnerPricingTable {
  partner_id: string;
  currency: string;
  pool_unit_price: string | null;
  usage_unit_price: string | null;
  overage_unit_price: string | null;
  payment_terms_days: number;
  tax_rate: string;
  /** The start of the period the partner was first priced in: the ledger before it is never billed. */
  billed_from: Timestamp;
  updated_at: Timestamp;
}

/**
 * What a partner charges its organizations: its default (`organization_id` null) and overrides,
 * whose null columns inherit the default. Prices are `numeric`, read as exact decimal strings.
 */
export interface ClientPricingTable {
  id: string;
  partner_id: string;
  organization_id: string | null;
  currency: string | null;
  period_fee: string | null;
  overage_unit_price: string | null;
  credit_unit_price: string | null;
  payment_terms_days: number | null;
  tax_rate: string | null;
  /** When it was first set: no period that started before it, and no usage before it, is billed. */
  billed_from: Timestamp;
  updated_at: Timestamp;
}

/** The partner's brand on what its clients receive. */
export interface PartnerBrandingTable {
  partner_id: string;
  display_name: string;
  logo_url: string | null;
  primary_color: string | null;
  invoice_prefix: string;
  support_email: string | null;
  footer: string | null;
  updated_at: Timestamp;
}

export interface BillingProfilesTable {
  id: string;
  partner_id: string;
  /** Null: the partner's own profile (what the operator invoices it as). */
  organization_id: string | null;
  legal_name: string;
  billing_email: string;
  address: ColumnType<PostalAddress, string, string>;
  tax_id: string | null;
  updated_at: Timestamp;
}

export interface InvoiceIssuersTable {
  /** `operator`, or `partner:<id>` for a partner invoicing its organizations. */
  issuer: string;
  legal_name: string;
  prefix: string;
  last_number: ColumnType<string, string | number | undefined, string | number>;
}

/** Money columns are `numeric`, read as exact decimal strings. */
export interface InvoicesTable {
  id: string;
  issuer: string;
  number: string;
  /** The customer partner (operator invoices), or the issuing partner (its clients' invoices). */
  partner_id: string;
  organization_id: string | null;
  status: 'issued' | 'paid' | 'void';
  currency: string;
  period_start: Timestamp;
  period_end: Timestamp;
  issued_at: Timestamp;
  due_at: Timestamp;
  issuer_snapshot: ColumnType<InvoiceParty, string, string>;
  customer_snapshot: ColumnType<InvoiceParty, string, string>;
  subtotal: string;
  tax_rate: string;
  tax: string;
  credits_applied: string;
  total: string;
  amount_paid: ColumnType<string, string | undefined, string>;
  void_reason: string | null;
  /** When `invoice.overdue` was written (once); null until then. */
  overdue_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface InvoiceParty {
  type: 'operator' | 'partner' | 'organization';
  id: string | null;
  legalName: string;
  billingEmail: string | null;
  address: PostalAddress | null;
  taxId: string | null;
  /** An issuing partner's brand, as it stood at issue. */
  brand?: InvoiceBrand | null;
}

export interface InvoiceBrand {
  displayName: string;
  logoUrl: string | null;
  primaryColor: string | null;
  supportEmail: string | null;
  footer: string | null;
}

/** A scheduled invoice run, done once per key: the invoice it issued, or null for nothing. */
export interface InvoiceRunsTable {
  generation_key: string;
  invoice_id: string | null;
  created_at: Timestamp;
}

export interface InvoiceLinesTable {
  id: string;
  invoice_id: string;
  position: number;
  kind: 'pool' | 'usage' | 'overage' | 'fee' | 'purchase' | 'top_up';
  description: string;
  organization_id: string | null;
  quantity: ColumnType<number, number, number>;
  unit_price: string;
  amount: string;
  period_start: Timestamp;
  period_end: Timestamp;
  entries: number;
}

export interface InvoiceLineEntriesTable {
  /** Per issuer: the operator and a partner each bill an entry once. */
  issuer: string;
  entry_id: number;
  line_id: string;
  invoice_id: string;
}

/** A grant sold to an organization: billed by the entries that credited its block. */
export interface ClientPurchasesTable {
  block_id: string;
  partner_id: string;
  organization_id: string;
  kind: 'purchase' | 'top_up';
  unit_price: string;
  created_at: Timestamp;
}

/** The organization period whose fee a line bills, once. */
export interface InvoiceLinePeriodsTable {
  organization_id: string;
  period_start: Timestamp;
  line_id: string;
  invoice_id: string;
}

/** What an invoice took from a block of monetary credits; a void gives exactly this back. */
export interface InvoiceCreditApplicationsTable {
  invoice_id: string;
  block_id: string;
  credit_type: string;
  credits: number;
}

export interface InvoicePaymentsTable {
  id: string;
  invoice_id: string;
  amount: string;
  method: string;
  reference: string | null;
  paid_at: Timestamp;
  created_at: Timestamp;
}

export interface PostalAddress {
  line1: string;
  line2: string | null;
  city: string;
  region: string | null;
  postalCode: string | null;
  country: string;
}

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
  /** An organization account at zero since a `credit_balance.depleted` event. */
  depleted: Generated<boolean>;
  /** Has balance alerts or an auto top-up rule: every balance change is checked at commit. */
  watched: Generated<boolean>;
  created_at: CreatedAt;
}

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

/** The outbox: every event a partner can receive, written with the change it describes. */
export interface EventsTable {
  id: string;
  partner_id: string;
  organization_id: string | null;
  type: string;
  data: ColumnType<Record<string, unknown>, string, never>;
  /** For events that must exist once (a usage batch): a second insert with it is a no-op. */
  dedupe_key: string | null;
  created_at: CreatedAt;
}

/** Thresholds: `{credits: n}` or `{percent: p}` (of the period's allocation). */
export type BalanceThreshold = { credits: number } | { percent: number };

export interface BalanceAlertsTable {
  organization_id: string;
  credit_type: string;
  partner_id: string;
  thresholds: ColumnType<BalanceThreshold[], string, string>;
  updated_at: Timestamp;
}

export interface AutoTopUpRulesTable {
  organization_id: string;
  credit_type: string;
  partner_id: string;
  threshold: Credits;
  amount: Credits;
  max_per_period: number;
  expires_after_days: number | null;
  /** The price of each applied top-up; null: the organization's credit price, if any. */
  unit_price: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AutoTopUpsTable {
  id: string;
  partner_id: string;
  organization_id: string;
  credit_type: string;
  threshold: Credits;
  amount: Credits;
  max_per_period: number;
  expires_after_days: number | null;
  /** The balance at commit of the transaction that crossed the threshold. */
  balance: Credits;
  status: 'pending' | 'applied' | 'failed';
  reason: string | null;
  grant_id: string | null;
  created_at: CreatedAt;
  processed_at: Timestamp | null;
}

export interface WebhookEndpointsTable {
  id: string;
  partner_id: string;
  url: string;
  description: string | null;
  /** Event types sent here; empty means every type. */
  event_types: ColumnType<string[], string[] | undefined, string[]>;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  /** Stored as is: the sender needs it to sign (see the migration). */
  secret: string;
  /** Why the endpoint was disabled automatically; null when enabled or disabled by the partner. */
  disabled_reason: string | null;
  /** When a delivery here last succeeded, to a few seconds (see services/webhooks/outcome.ts). */
  last_success_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface WebhookDeliveriesTable {
  id: string;
  partner_id: string;
  endpoint_id: string;
  event_id: string;
  status: ColumnType<WebhookDeliveryStatus, WebhookDeliveryStatus | undefined>;
  /** Attempts since the delivery (or its last manual retry) began. */
  attempts: ColumnType<number, number | undefined, number>;
  /** When a pending delivery is next due ('infinity': parked while its endpoint is disabled). */
  next_attempt_at: Timestamp | null;
  /** Set while a worker holds the delivery; the claim's token. */
  lease_until: Timestamp | null;
  last_status_code: number | null;
  failure_reason: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface WebhookAttemptsTable {
  id: string;
  delivery_id: string;
  attempted_at: Timestamp;
  /** Null when no response came (refused, timed out, blocked). */
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  /** The response body's first bytes. */
  response_excerpt: string | null;
}

export interface Database {
  partners: PartnersTable;
  api_keys: ApiKeysTable;
  users: UsersTable;
  sessions: SessionsTable;
  organizations: OrganizationsTable;
  visitors: VisitorsTable;
  identities: IdentitiesTable;
  identifications: IdentificationsTable;
  idempotency_keys: IdempotencyKeysTable;
  credit_types: CreditTypesTable;
  accounts: AccountsTable;
  blocks: BlocksTable;
  block_expiry_changes: BlockExpiryChangesTable;
  entries: EntriesTable;
  consumptions: ConsumptionsTable;
  icp_profiles: IcpProfilesTable;
  pixel_daily: PixelDailyTable;
  charge_windows: ChargeWindowsTable;
  partner_pricing: PartnerPricingTable;
  billing_profiles: BillingProfilesTable;
  client_pricing: ClientPricingTable;
  partner_branding: PartnerBrandingTable;
  invoice_line_periods: InvoiceLinePeriodsTable;
  client_purchases: ClientPurchasesTable;
  invoice_issuers: InvoiceIssuersTable;
  invoices: InvoicesTable;
  invoice_runs: InvoiceRunsTable;
  invoice_lines: InvoiceLinesTable;
  invoice_line_entries: InvoiceLineEntriesTable;
  invoice_payments: InvoicePaymentsTable;
  invoice_credit_applications: InvoiceCreditApplicationsTable;
  events: EventsTable;
  balance_alerts: BalanceAlertsTable;
  auto_top_up_rules: AutoTopUpRulesTable;
  auto_top_ups: AutoTopUpsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}

export type PartnerRow = Selectable<PartnersTable>;
export type OrganizationRow = Selectable<OrganizationsTable>;
export type NewOrganization = Insertable<OrganizationsTable>;
export type OrganizationUpdate = Updateable<OrganizationsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type UserRow = Selectable<UsersTable>;
export type AccountRow = Selectable<AccountsTable>;
export type BlockRow = Selectable<BlocksTable>;
export type EntryRow = Selectable<EntriesTable>;
