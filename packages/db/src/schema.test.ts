import {
  ACCOUNT_KINDS,
  allowsOverage,
  BILLING_MODES,
  BILLING_PERIODS,
  BLOCK_KINDS,
  ENTRY_TYPES,
  ORGANIZATION_STATUSES,
  PRODUCT_TYPES,
  TIERS,
  USER_ROLES,
} from '@allot/domain';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing/index.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

/** The values a column's `IN (...)` CHECK allows, read back from the catalog. */
async function allowed(table: string, column: string): Promise<string[]> {
  const { rows } = await sql<{ def: string }>`
    SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
    WHERE c.conrelid = ${table}::regclass AND c.contype = 'c' AND a.attname = ${column}
      AND cardinality(c.conkey) = 1`.execute(database.db);
  const [row] = rows;
  if (!row) throw new Error(`${table}.${column} has no CHECK`);
  return [...row.def.matchAll(/'([^']*)'::text/g)].map((m) => m[1] ?? '').sort();
}

describe('the schema', () => {
  it.each([
    ['accounts', 'kind', ACCOUNT_KINDS],
    ['blocks', 'kind', BLOCK_KINDS],
    ['entries', 'type', ENTRY_TYPES],
    ['partners', 'billing_mode', BILLING_MODES],
    ['partners', 'billing_period', BILLING_PERIODS],
    ['organizations', 'status', ORGANIZATION_STATUSES],
    ['organizations', 'tier', TIERS],
    ['organizations', 'product_type', PRODUCT_TYPES],
    ['users', 'role', USER_ROLES],
  ])('allows in %s.%s exactly the values the domain lists', async (table, column, values) => {
    expect(await allowed(table, column)).toEqual([...values].sort());
  });

  it.each(BILLING_MODES)('agrees with the domain on whether %s allows overage', async (mode) => {
    const { rows } = await sql<{
      allows: boolean;
    }>`SELECT ledger_allows_overage(${mode}) AS allows`.execute(database.db);
    expect(rows[0]?.allows).toBe(allowsOverage(mode));
  });

  it.each([
    [
      'spendable blocks, already in burn order',
      'SELECT * FROM spendable_blocks($1, now())',
      'blocks_live_idx',
    ],
    [
      'lapsed blocks',
      'SELECT id FROM blocks WHERE ledger_lapsed(blocks, now())',
      'blocks_expiring_idx',
    ],
  ])('reads %s from its index (%s), inlined', async (_what, query, index) => {
    // An empty table: a sequential scan would be as cheap, and is not what is asked.
    const rows = await database.db.transaction().execute(async (trx) => {
      await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      const explained = await sql<{ 'QUERY PLAN': string }>`
        EXPLAIN ${sql.raw(query.replace('$1', `'${randomUUID()}'::uuid`))}`.execute(trx);
      return explained.rows;
    });
    const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
    expect(plan).toContain(index);
    // Inlined: no function scan or filter calling it; spendable_blocks needs no sort either,
    // the index order being the burn order.
    expect(plan).not.toMatch(/Function Scan|Sort|ledger_/);
  });

  it('gives the rows its triggers make version-7 UUIDs, like the application', async () => {
    const [partner, organization, account] = [randomUUID(), randomUUID(), randomUUID()];
    const { db } = database;
    await sql`
      INSERT INTO partners (id, name, billing_mode, billing_period, billing_day_of_month,
        billing_anchor, pool_credits, pool_period_start, pool_period_end)
      VALUES (${partner}, 'P', 'external', 'monthly', 1, now(), 0, now(),
        now() + interval '1 month')`.execute(db);
    await sql`
      INSERT INTO organizations (id, partner_id, name, status, tier, product_type, billing_period,
        billing_day_of_month, billing_anchor, credit_allowance, pixel_key, period_start, period_end,
    charge_period_start)
      VALUES (${organization}, ${partner}, 'O', 'active', 'paid', 'B2B', 'monthly', 1, now(), 0,
        ${`px_${partner}`}, now(), now() + interval '1 month', now())`.execute(db);
    await sql`
      INSERT INTO accounts (id, partner_id, organization_id, kind, credit_type, balance)
      VALUES (${account}, ${partner}, ${organization}, 'organization', 'identification', 5)`.execute(
      db,
    );
    await sql`
      INSERT INTO webhook_endpoints (id, partner_id, url, secret)
      VALUES (${randomUUID()}, ${partner}, 'https://example.com/hook', 'whsec_x')`.execute(db);
    // Reaching zero writes a `credit_balance.depleted` event, which fans out to the endpoint.
    await sql`UPDATE accounts SET balance = 0 WHERE id = ${account}`.execute(db);
    const events = await db.selectFrom('events').select('id').execute();
    const deliveries = await db.selectFrom('webhook_deliveries').select('id').execute();
    expect(events).toHaveLength(1);
    expect(deliveries).toHaveLength(1);
    for (const { id } of [...events, ...deliveries]) expect(id[14]).toBe('7');
  });
});
