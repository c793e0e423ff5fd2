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

const readAll = (id: number) =>
  sql<Record<string, unknown>>`SELECT * FROM prepared_probe WHERE id = ${id}`;

describe('prepared statements', () => {
  it('follow a table whose columns change under them: alone at once, in a transaction on retry', async () => {
    const { db } = database;
    await sql`CREATE TABLE prepared_probe (id int PRIMARY KEY)`.execute(db);
    await sql`INSERT INTO prepared_probe VALUES (1)`.execute(db);
    // Prepared on every connection the pool opens: more executions than connections.
    for (let i = 0; i < 40; i += 1)
      expect((await readAll(1).execute(db)).rows).toEqual([{ id: 1 }]);

    await sql`ALTER TABLE prepared_probe ADD COLUMN name text DEFAULT 'one'`.execute(db);
    const reads = await Promise.all(Array.from({ length: 40 }, () => readAll(1).execute(db)));
    expect(reads.map((r) => r.rows)).toEqual(reads.map(() => [{ id: 1, name: 'one' }]));

    await sql`ALTER TABLE prepared_probe ADD COLUMN size int DEFAULT 2`.execute(db);
    const inTransaction = () => db.transaction().execute((trx) => readAll(1).execute(trx));
    await expect(inTransaction()).rejects.toMatchObject({ code: '0A000' });
    expect((await inTransaction()).rows).toEqual([{ id: 1, name: 'one', size: 2 }]);
  });

  it('leave a query without parameters, and a failing one, as pg runs them', async () => {
    const { db } = database;
    expect((await sql<{ n: number }>`SELECT 1 AS n`.execute(db)).rows).toEqual([{ n: 1 }]);
    await expect(
      sql`SELECT * FROM no_such_table WHERE id = ${1}`.execute(db),
    ).rejects.toMatchObject({ code: '42P01' });
    // The failed text was never prepared: it runs once the table exists.
    await sql`CREATE TABLE no_such_table (id int)`.execute(db);
    expect((await sql`SELECT * FROM no_such_table WHERE id = ${1}`.execute(db)).rows).toEqual([]);
  });
});
