-- Every schema but the system ones (pg_catalog, pg_toast, the pg_temp_N schemas, information_schema).
SELECT n.nspname AS name
FROM pg_namespace n
WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
ORDER BY 1
