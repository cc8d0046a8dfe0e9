-- The default privileges set IN SCHEMA for the requested schemas, and those set without (schema
-- NULL; their ACL is the whole of what new objects get, the role's own privileges included): for which role, on what kind of
-- object, and each ACL entry (grantee NULL for PUBLIC). `mine`: the role is the one inspecting.
SELECT
    n.nspname AS schema,
    pg_get_userbyid(d.defaclrole) AS role,
    d.defaclrole = (SELECT oid FROM pg_roles WHERE rolname = current_user) AS mine,
    CASE d.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions'
                         WHEN 'T' THEN 'types' ELSE 'schemas' END AS "on",
    ARRAY(
        SELECT jsonb_build_object(
            'grantee', CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END,
            'privilege', lower(a.privilege_type),
            'grantable', a.is_grantable)
        FROM aclexplode(d.defaclacl) a
        ORDER BY 1::text
    ) AS acl
FROM pg_default_acl d
LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
WHERE n.nspname = ANY(%(schemas)s) OR d.defaclnamespace = 0  -- schema NULL: without IN SCHEMA
ORDER BY 1, 2, 4
