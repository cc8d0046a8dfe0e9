-- The privileges granted on identity columns' sequences in the requested schemas, with the table and
-- column each numbers (the sequence is always owned by its table's owner), every ACL entry as
-- inspect_object_access.sql gives them. Only sequences with an ACL of their own.
WITH db AS (
    SELECT datdba FROM pg_database WHERE datname = current_database()
)
SELECT
    'sequence' AS kind,
    n.nspname AS schema,
    s.relname AS name,
    t.relname AS "table",
    a.attname AS "column",
    NULL::text AS identity,
    pg_get_userbyid(s.relowner) AS owner,
    pg_get_userbyid(n.nspowner) AS schema_owner,
    (SELECT pg_get_userbyid(datdba) FROM db) AS database_owner,
    true AS has_acl,
    ARRAY(
        SELECT jsonb_build_object(
            'grantor', pg_get_userbyid(x.grantor),
            'grantee', CASE WHEN x.grantee = 0 THEN NULL ELSE pg_get_userbyid(x.grantee) END,
            'privilege', lower(x.privilege_type),
            'grantable', x.is_grantable)
        FROM aclexplode(s.relacl) x
        ORDER BY 1::text
    ) AS acl,
    current_setting('server_version_num')::int AS server_version
FROM pg_class s
JOIN pg_namespace n ON n.oid = s.relnamespace
JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype = 'i'
    AND d.refclassid = 'pg_class'::regclass
JOIN pg_class t ON t.oid = d.refobjid
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
WHERE n.nspname = ANY(%(schemas)s) AND s.relkind = 'S' AND s.relacl IS NOT NULL
ORDER BY 2, 4, 5
