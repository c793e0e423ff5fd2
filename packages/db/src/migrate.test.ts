import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from './connection.ts';
import { withDatabase } from './embedded.ts';
import { migrateToLatest } from './migrate.ts';
import { migrations } from './migrations/index.ts';
import { randomBytes } from 'node:crypto';
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
