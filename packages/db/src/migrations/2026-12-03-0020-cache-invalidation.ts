import { sql, type Kysely } from 'kysely';
import { applySqlFile } from '../sql/files.ts';

// Frozen: never edit a migration that has shipped; add a new one.
//
// The key caches' invalidation: every server holds organizations found by pixel key and API keys
// found by hash in memory, and forgets one the moment a change to its row commits.
// - `organizations`: every updated or deleted row, whatever column changed (a status, the
//   referrers, the caps, the billing cycle, a renewal's period), per statement, so a column the
//   cache starts to hold is covered without a new trigger, and a renewal notifies in batches;
// - `api_keys`: a revocation or deletion, per row; `last_used_at`, written once a minute per key
//   and server, names no column of the trigger, so it makes nobody forget the key.
export async function up(db: Kysely<unknown>): Promise<void> {
  await applySqlFile(db, 'functions/key_caches_forget_rows.sql');
  await applySqlFile(db, 'functions/key_caches_forget_row.sql');
  // Transition tables allow one event per trigger: an update and a delete trigger.
  await sql`
    CREATE TRIGGER organizations_updated_key_caches
      AFTER UPDATE ON organizations
      REFERENCING OLD TABLE AS changed
      FOR EACH STATEMENT
      EXECUTE FUNCTION key_caches_forget_rows()`.execute(db);
  await sql`
    CREATE TRIGGER organizations_deleted_key_caches
      AFTER DELETE ON organizations
      REFERENCING OLD TABLE AS changed
      FOR EACH STATEMENT
      EXECUTE FUNCTION key_caches_forget_rows()`.execute(db);
  await sql`
    CREATE TRIGGER api_keys_key_caches
      AFTER UPDATE OF partner_id, key_hash, revoked_at OR DELETE ON api_keys
      FOR EACH ROW
      EXECUTE FUNCTION key_caches_forget_row()`.execute(db);
}

// No `down`: restore a backup instead.
