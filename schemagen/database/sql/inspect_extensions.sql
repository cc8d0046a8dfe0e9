-- Installed extensions (plpgsql ships with every database), the schema each lives in, and the schema
-- its control file pins it to (`citus` lives in pg_catalog wherever it is created), if any.
SELECT e.extname AS name, n.nspname AS schema, e.extversion AS version, v.schema AS fixed_schema
FROM pg_extension e
JOIN pg_namespace n ON n.oid = e.extnamespace
LEFT JOIN pg_available_extension_versions v ON v.name = e.extname AND v.version = e.extversion
WHERE e.extname <> 'plpgsql'
ORDER BY 1
