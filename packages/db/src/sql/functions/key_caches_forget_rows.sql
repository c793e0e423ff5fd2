-- Names the rows a statement updated or deleted to every server's key caches
-- (`services/key-caches.ts` in the api package), on the channel `allot_key_caches` as
-- `<table>:<id>,<id>,...`. Per statement, over its transition table `changed`: a renewal of
-- 5,000 organizations sends 25 notifications of 200 ids (a payload holds at most 8000 bytes), not
-- 5,000. PostgreSQL delivers them at commit, so a rolled-back change makes nobody forget anything.
CREATE OR REPLACE FUNCTION key_caches_forget_rows() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  v_ids text;
BEGIN
  FOR v_ids IN
    SELECT string_agg(id::text, ',')
    FROM (SELECT id, (row_number() OVER () - 1) / 200 AS chunk FROM changed) numbered
    GROUP BY chunk
  LOOP
    PERFORM pg_notify('allot_key_caches', TG_TABLE_NAME || ':' || v_ids);
  END LOOP;
  RETURN NULL;
END
$fn$;
