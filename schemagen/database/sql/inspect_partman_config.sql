-- Where pg_partman keeps its settings, when it is installed: the schema it was installed into (or
-- `partman`, the usual one, holding a `part_config` table). No row: no pg_partman.
SELECT n.nspname AS schema
FROM pg_extension AS e
JOIN pg_namespace AS n ON n.oid = e.extnamespace
WHERE e.extname = 'pg_partman'
UNION ALL
SELECT 'partman' WHERE to_regclass('partman.part_config') IS NOT NULL
LIMIT 1
