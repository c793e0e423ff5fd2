import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db);

  await db.schema
    .createTable('partners')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('billing_mode', 'text', (c) =>
      c.notNull().check(sql`billing_mode IN ('credit_pool', 'external', 'usage_based')`),
    )
    .addColumn('billing_period', 'text', (c) =>
      c.notNull().check(sql`billing_period IN ('monthly', 'quarterly', 'annually')`),
    )
    .addColumn('billing_day_of_month', 'integer', (c) =>
      c.notNull().check(sql`billing_day_of_month BETWEEN 1 AND 28`),
    )
    .addColumn('billing_anchor', 'timestamptz', (c) => c.notNull())
    .addColumn('pool_credits', 'bigint', (c) => c.notNull().check(sql`pool_credits >= 0`))
    .addColumn('pool_period_start', 'timestamptz', (c) => c.notNull())
    .addColumn('pool_period_end', 'timestamptz', (c) => c.notNull())
    .addColumn('pool_total', 'bigint', (c) => c.notNull())
    .addColumn('pool_allocated', 'bigint', (c) => c.notNull().check(sql`pool_allocated >= 0`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // The last line of defence: a credit pool is never over-allocated, whatever the code does.
    .addCheckConstraint(
      'partners_pool_not_overallocated',
      sql`billing_mode <> 'credit_pool' OR pool_allocated <= pool_total`,
    )
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('partner_id', 'uuid', (c) => c.notNull().references('partners.id'))
    .addColumn('key_hash', 'bytea', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('api_keys_partner_idx').on('api_keys').column('partner_id').execute();

  await db.schema
    .createTable('organizations')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('partner_id', 'uuid', (c) => c.notNull().references('partners.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('owner_user_id', 'text')
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status IN ('active', 'suspended', 'canceled')`),
    )
    .addColumn('tier', 'text', (c) => c.notNull().check(sql`tier IN ('trial', 'paid')`))
    .addColumn('product_type', 'text', (c) =>
      c.notNull().check(sql`product_type IN ('B2B', 'B2C')`),
    )
    .addColumn('billing_period', 'text', (c) =>
      c.notNull().check(sql`billing_period IN ('monthly', 'quarterly', 'annually')`),
    )
    .addColumn('billing_day_of_month', 'integer', (c) =>
      c.notNull().check(sql`billing_day_of_month BETWEEN 1 AND 28`),
    )
    .addColumn('billing_anchor', 'timestamptz', (c) => c.notNull())
    .addColumn('credit_allowance', 'bigint', (c) => c.notNull().check(sql`credit_allowance >= 0`))
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('pixel_key', 'text', (c) => c.notNull().unique())
    .addColumn('allowed_referrers', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('period_start', 'timestamptz', (c) => c.notNull())
    .addColumn('period_end', 'timestamptz', (c) => c.notNull())
    .addColumn('credits_allocated', 'bigint', (c) => c.notNull().check(sql`credits_allocated >= 0`))
    .addColumn('credits_consumed', 'bigint', (c) => c.notNull().check(sql`credits_consumed >= 0`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('organizations_partner_external_id_key')
    .on('organizations')
    .columns(['partner_id', 'external_id'])
    .unique()
    .where(sql.ref('external_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('organizations_partner_created_idx')
    .on('organizations')
    .columns(['partner_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('organizations_partner_period_end_idx')
    .on('organizations')
    .columns(['partner_id', 'period_end'])
    .execute();
  // Case-insensitive substring search on names stays fast at 100,000 organizations.
  await sql`CREATE INDEX organizations_name_trgm_idx ON organizations USING gin (name gin_trgm_ops)`.execute(
    db,
  );

  await db.schema
    .createTable('visitors')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('partner_id', 'uuid', (c) => c.notNull().references('partners.id'))
    .addColumn('organization_id', 'uuid', (c) => c.notNull().references('organizations.id'))
    .addColumn('email', 'text')
    .addColumn('first_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('company_name', 'text')
    .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('visitors_organization_last_seen_idx')
    .on('visitors')
    .columns(['organization_id', 'last_seen_at desc', 'id'])
    .execute();

  await db.schema
    .createTable('identifications')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('partner_id', 'uuid', (c) => c.notNull().references('partners.id'))
    .addColumn('organization_id', 'uuid', (c) => c.notNull().references('organizations.id'))
    .addColumn('visitor_id', 'uuid', (c) => c.notNull().references('visitors.id'))
    .addColumn('credits', 'bigint', (c) => c.notNull().check(sql`credits >= 0`))
    .addColumn('identified_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('identifications_partner_time_idx')
    .on('identifications')
    .columns(['partner_id', 'identified_at'])
    .execute();
  await db.schema
    .createIndex('identifications_organization_time_idx')
    .on('identifications')
    .columns(['organization_id', 'identified_at'])
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('response', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('idempotency_keys_pkey', ['scope', 'key'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'idempotency_keys',
    'identifications',
    'visitors',
    'organizations',
    'api_keys',
    'partners',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
