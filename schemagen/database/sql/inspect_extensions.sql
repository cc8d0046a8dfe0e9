-- Installed extensions (plpgsql ships with every database), the schema each lives in, and the schema
-- its control file pins it to (`citus` lives in pg_catalog wherever it is created), if any; the
-- version `CREATE EXTENSION` installs when none is given.
SELECT e.extname AS name, n.nspname AS schema, e.extversion AS version, v.schema AS fixed_schema,
    a.default_version AS default_version, v.relocatable AS relocatable
FROM pg_extension e
JOIN pg_namespace n ON n.oid = e.extnamespace
LEFT JOIN pg_available_extension_versions v ON v.name = e.extname AND v.version = e.extversion
LEFT JOIN pg_available_extensions a ON a.name = e.extname
WHERE e.extname <> 'plpgsql'
ORDER BY 1
