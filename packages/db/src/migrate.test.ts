import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from './connection.ts';
import { withDatabase } from './embedded.ts';
import { migrateToLatest } from './migrate.ts';
import { migrations } from './migrations/index.ts';
import { randomBytes, randomUUID } from 'node:crypto';
import { inject } from 'vitest';

let admin: Db;
const name = `allot_migrate_${randomBytes(6).toString('hex')}`;

beforeAll(async () => {
  admin = createDb({ url: inject('testDatabase').url, max: 1, onConnectionError: () => {} });
  await sql`CREATE DATABASE ${sql.id(name)}`.execute(admin);
});
afterAll(async () => {
  await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(admin);
  await admin.destroy();
});

describe('migrations', () => {
  it('run exactly once when several server processes start at the same moment', async () => {
    const instances = Array.from({ length: 4 }, () =>
      createDb({
        url: withDatabase(inject('testDatabase').url, name),
        max: 2,
        onConnectionError: () => {},
      }),
    );
    try {
      await Promise.all(instances.map((db) => migrateToLatest(db)));
      const applied = await sql<{
        name: string;
      }>`SELECT name FROM kysely_migration ORDER BY name`.execute(instances[0] as Db);
      expect(applied.rows.map((row) => row.name)).toEqual(Object.keys(migrations));
      // A later start finds nothing to do.
      await migrateToLatest(instances[0] as Db);
    } finally {
      await Promise.all(instances.map((db) => db.destroy()));
    }
  });

  it('are listed in date order with date-prefixed names', () => {
    const names = Object.keys(migrations);
    expect(names).toEqual([...names].sort());
    for (const migration of names) expect(migration).toMatch(/^\d{4}-\d{2}-\d{2}-\d{4}-[a-z-]+$/);
  });
});

describe('the ledger migration', () => {
  it('turns the counters of existing rows into opening balances, losing no credit', async () => {
    const database = `allot_opening_${randomBytes(6).toString('hex')}`;
    await sql`CREATE DATABASE ${sql.id(database)}`.execute(admin);
    const db = createDb({ url: withDatabase(inject('testDatabase').url, database), max: 1 });
    try {
      const migrator = new Migrator({
        db,
        provider: { getMigrations: () => Promise.resolve(migrations) },
      });
      await migrator.migrateTo('2026-11-21-0001-foundation');
      const partner = randomUUID();
      const organization = randomUUID();
      const period = { start: '2030-03-01T00:00:00Z', end: '2030-04-01T00:00:00Z' };
      await sql`
        INSERT INTO partners (id, name, billing_mode, billing_period, billing_day_of_month,
          billing_anchor, pool_credits, pool_period_start, pool_period_end, pool_total, pool_allocated)
        VALUES (${partner}, 'Old', 'credit_pool', 'monthly', 1, ${period.start}, 1000,
          ${period.start}, ${period.end}, 1000, 300)`.execute(db);
      await sql`
        INSERT INTO organizations (id, partner_id, name, status, tier, product_type, billing_period,
          billing_day_of_month, billing_anchor, credit_allowance, pixel_key, period_start,
          period_end, credits_allocated, credits_consumed)
        VALUES (${organization}, ${partner}, 'Old client', 'active', 'paid', 'B2B', 'monthly', 1,
          ${period.start}, 300, 'px_old', ${period.start}, ${period.end}, 300, 120)`.execute(db);

      await migrateToLatest(db);

      const accounts = await sql<{
        kind: string;
        balance: number;
        period_credited: number;
        period_consumed: number;
      }>`
        SELECT kind, balance, period_credited, period_consumed FROM accounts
        WHERE balance <> 0 OR period_credited <> 0 ORDER BY kind`.execute(db);
      expect(accounts.rows).toEqual([
        { kind: 'issuance', balance: -880, period_credited: 0, period_consumed: 0 },
        { kind: 'organization', balance: 180, period_credited: 300, period_consumed: 120 },
        { kind: 'pool', balance: 700, period_credited: 1000, period_consumed: 0 },
      ]);
      const blocks = await sql<{ kind: string; remaining: number; expires_at: Date }>`
        SELECT kind, remaining, expires_at FROM blocks ORDER BY kind`.execute(db);
      expect(blocks.rows).toEqual([
        { kind: 'allocation', remaining: 180, expires_at: new Date(period.end) },
        { kind: 'pool', remaining: 700, expires_at: new Date(period.end) },
      ]);
      const entries = await sql<{
        account_kind: string;
        amount: number;
        balance_after: number;
        sequence: number;
      }>`
        SELECT account_kind, amount, balance_after, sequence FROM entries
        ORDER BY account_kind, sequence`.execute(db);
      expect(entries.rows).toEqual([
        { account_kind: 'issuance', amount: -700, balance_after: -700, sequence: 1 },
        { account_kind: 'issuance', amount: -180, balance_after: -880, sequence: 2 },
        { account_kind: 'organization', amount: 180, balance_after: 180, sequence: 1 },
        { account_kind: 'pool', amount: 700, balance_after: 700, sequence: 1 },
      ]);
    } finally {
      await db.destroy();
      await sql`DROP DATABASE IF EXISTS ${sql.id(database)} WITH (FORCE)`.execute(admin);
    }
  });
});
