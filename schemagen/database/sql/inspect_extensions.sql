-- Installed extensions (plpgsql ships with every database) and the schema each lives in.
SELECT e.extname AS name, n.nspname AS schema
FROM pg_extension e
JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname <> 'plpgsql'
ORDER BY 1
