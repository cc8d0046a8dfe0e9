-- The user-defined triggers on relations of the requested schemas (the copies PostgreSQL makes on
-- partitions left out).
SELECT n.nspname AS schema, c.relname AS "table", t.tgname AS name, pg_get_triggerdef(t.oid) AS definition
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s)
  AND NOT t.tgisinternal
  AND NOT EXISTS (SELECT FROM pg_trigger p WHERE p.oid = (to_jsonb(t) ->> 'tgparentid')::oid)
ORDER BY 1, 2, 3
