export {
  createDb,
  createPool,
  inTransaction,
  type Db,
  type Tx,
  type DatabaseOptions,
} from './connection.ts';
export { isDatabaseUnavailable } from './unavailable.ts';
export { useEmbeddedPostgres, withDatabase, type EmbeddedDatabase } from './embedded.ts';
export { migrateToLatest } from './migrate.ts';
export type * from './schema.ts';
