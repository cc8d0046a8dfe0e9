-- The owner and privileges of what is not a table in the requested schemas: views and materialized
-- views (kind 'view', 'materialized view'), sequences but an identity column's, functions, procedures
-- and aggregates (with their identity arguments), and the schemas themselves, with the owners of their schema and of the database
-- (which a spec leaves unsaid), every ACL entry (grantee NULL for PUBLIC; none when the object keeps
-- PostgreSQL's default ACL). Objects an extension owns are left out.
WITH db AS (
    SELECT datdba FROM pg_database WHERE datname = current_database()
)
SELECT
    CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' ELSE 'sequence' END AS kind,
    n.nspname AS schema,
    c.relname AS name,
    NULL::text AS identity,
    pg_get_userbyid(c.relowner) AS owner,
    pg_get_userbyid(n.nspowner) AS schema_owner,
    (SELECT pg_get_userbyid(datdba) FROM db) AS database_owner,
    c.relacl IS NOT NULL AS has_acl,
    ARRAY(
        SELECT jsonb_build_object(
            'grantor', pg_get_userbyid(a.grantor),
            'grantee', CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END,
            'privilege', lower(a.privilege_type),
            'grantable', a.is_grantable)
        FROM aclexplode(c.relacl) a
        ORDER BY 1::text
    ) AS acl,
    current_setting('server_version_num')::int AS server_version
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('v', 'm', 'S')
  -- an identity column's sequence is the column's, not in the spec (inspect_other_acls.sql warns)
  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'i')
  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
UNION ALL
SELECT
    CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
    n.nspname,
    p.proname,
    pg_get_function_identity_arguments(p.oid),
    pg_get_userbyid(p.proowner),
    pg_get_userbyid(n.nspowner),
    (SELECT pg_get_userbyid(datdba) FROM db),
    p.proacl IS NOT NULL,
    ARRAY(
        SELECT jsonb_build_object(
            'grantor', pg_get_userbyid(a.grantor),
            'grantee', CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END,
            'privilege', lower(a.privilege_type),
            'grantable', a.is_grantable)
        FROM aclexplode(p.proacl) a
        ORDER BY 1::text
    ),
    current_setting('server_version_num')::int
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = ANY(%(schemas)s)
  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT
    'schema',
    n.nspname,
    n.nspname,
    NULL,
    pg_get_userbyid(n.nspowner),
    -- public's own owner: since PostgreSQL 15 the database owner (whoever that is), before it the
    -- bootstrap superuser
    CASE WHEN n.nspname = 'public' THEN
        CASE WHEN current_setting('server_version_num')::int >= 150000 THEN 'pg_database_owner'
             ELSE pg_get_userbyid(10) END
    END,
    (SELECT pg_get_userbyid(datdba) FROM db),
    n.nspacl IS NOT NULL,
    ARRAY(
        SELECT jsonb_build_object(
            'grantor', pg_get_userbyid(a.grantor),
            'grantee', CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END,
            'privilege', lower(a.privilege_type),
            'grantable', a.is_grantable)
        FROM aclexplode(n.nspacl) a
        ORDER BY 1::text
    ),
    current_setting('server_version_num')::int
FROM pg_namespace n
WHERE n.nspname = ANY(%(schemas)s)
ORDER BY 1, 2, 3, 4
