import { createDb, migrateToLatest, useEmbeddedPostgres, withDatabase, type Db } from '@allot/db';
import { sql } from 'kysely';
import type { Config } from './config.ts';

export interface OpenDatabase {
  db: Db;
  /** The connection string, for what opens connections of its own (the job worker). */
  url: string;
  /** Where it came from, for the start banner (without the password). */
  description: string;
  close: () => Promise<void>;
}

const DATABASE_NAME = 'allot';

/**
 * DATABASE_URL when set; otherwise the embedded PostgreSQL in the data directory, started here
 * or joined if a running server already started it. Either way the schema is migrated.
 */
export async function openDatabase(
  config: Config,
  pool = config.databasePoolSize,
): Promise<OpenDatabase> {
  if (config.databaseUrl) {
    const db = createDb({ url: config.databaseUrl, max: pool });
    await migrateToLatest(db);
    const url = new URL(config.databaseUrl);
    return {
      db,
      url: config.databaseUrl,
      description: `${url.host}${url.pathname}`,
      close: () => db.destroy(),
    };
  }
  const server = await useEmbeddedPostgres(config.dataDir);
  const admin = createDb({ url: server.url, max: 1 });
  const exists = await sql`SELECT 1 FROM pg_database WHERE datname = ${DATABASE_NAME}`.execute(
    admin,
  );
  if (exists.rows.length === 0) {
    await sql`CREATE DATABASE ${sql.id(DATABASE_NAME)}`
      .execute(admin)
      .catch(async (error: unknown) => {
        // Another process created it a moment ago.
        const again = await sql`SELECT 1 FROM pg_database WHERE datname = ${DATABASE_NAME}`.execute(
          admin,
        );
        if (again.rows.length === 0) throw error;
      });
  }
  await admin.destroy();
  const url = withDatabase(server.url, DATABASE_NAME);
  const db = createDb({ url, max: pool });
  await migrateToLatest(db);
  return {
    db,
    url,
    description: `embedded PostgreSQL in ${config.dataDir}`,
    close: async () => {
      await db.destroy();
      await server.stop();
    },
  };
}
