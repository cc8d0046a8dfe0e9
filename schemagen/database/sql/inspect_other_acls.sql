-- What of access the spec cannot say yet, in the requested schemas: privileges granted on an identity
-- column's sequence, owners of those other than the
-- schema's and database's owner.
WITH db AS (
    SELECT datdba FROM pg_database WHERE datname = current_database()
)
SELECT kind, name, has_acl, owner
FROM (
    SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                          ELSE 'sequence' END AS kind,
           n.nspname || '.' || c.relname AS name,
           c.relacl IS NOT NULL AS has_acl,
           CASE WHEN c.relowner NOT IN (n.nspowner, (SELECT datdba FROM db))
                THEN pg_get_userbyid(c.relowner) END AS owner
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    -- views and sequences but an identity column's: inspect_object_access.sql
    WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('S')
      AND EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'i')
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype = 'e')
) found
WHERE has_acl OR owner IS NOT NULL
ORDER BY 1, 2
