-- Names one updated or deleted row to every server's key caches, as `key_caches_forget_rows`
-- does for a statement's rows: for a table whose trigger fires only on the few changes that
-- matter (a revoked API key, not the `last_used_at` its use writes), one row at a time.
CREATE OR REPLACE FUNCTION key_caches_forget_row() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_notify('allot_key_caches', TG_TABLE_NAME || ':' || OLD.id::text);
  RETURN NULL;
END
$fn$;
