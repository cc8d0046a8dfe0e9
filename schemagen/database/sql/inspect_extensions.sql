-- Installed extensions (plpgsql ships with every database), the schema each lives in, and the schema
-- its control file pins it to (`citus` lives in pg_catalog wherever it is created), if any; the
-- version `CREATE EXTENSION` installs when none is given. The pinned schema is read (from every
-- control file and update script the server has: pg_available_extension_versions is slow) only for an
-- extension outside public: one in public is where `CREATE EXTENSION` puts it, pinned or not.
SELECT e.extname AS name, n.nspname AS schema, e.extversion AS version,
    CASE WHEN n.nspname <> 'public' THEN (
        SELECT v.schema FROM pg_available_extension_versions v
        WHERE v.name = e.extname AND v.version = e.extversion
    ) END AS fixed_schema,
    a.default_version AS default_version
FROM pg_extension e
JOIN pg_namespace n ON n.oid = e.extnamespace
LEFT JOIN pg_available_extensions a ON a.name = e.extname
WHERE e.extname <> 'plpgsql'
ORDER BY 1
