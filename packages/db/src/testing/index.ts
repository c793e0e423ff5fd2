import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { inject } from 'vitest';
import { createDb, type Db } from '../connection.ts';
import { withDatabase } from '../embedded.ts';
import './provided-context.ts';

export interface TestDatabase {
  db: Db;
  url: string;
  drop: () => Promise<void>;
}

/** A fresh, migrated database for one test file, cloned from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { url: serverUrl, template } = inject('testDatabase');
  const name = `allot_test_${randomBytes(6).toString('hex')}`;
  const admin = createDb({ url: serverUrl, max: 1 });
  // Two clones of one template at the same instant can collide; a retry settles it.
  for (let attempt = 0; ; attempt++) {
    try {
      await sql`CREATE DATABASE ${sql.id(name)} TEMPLATE ${sql.id(template)}`.execute(admin);
      break;
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
    }
  }
  // A test database need not survive a power cut: commits skip waiting for the disk flush,
  // so a test of hot-row contention measures locking rather than this machine's fsync.
  await sql`ALTER DATABASE ${sql.id(name)} SET synchronous_commit = off`.execute(admin);
  const url = withDatabase(serverUrl, name);
  // Dropping the database ends its connections from the server side; that is expected here.
  const db = createDb({ url, max: 20, onConnectionError: () => {} });
  return {
    db,
    url,
    drop: async () => {
      await db.destroy();
      await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(admin);
      await admin.destroy();
    },
  };
}
