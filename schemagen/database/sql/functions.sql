-- The functions, procedures and aggregates of the requested schemas that no extension owns.
SELECT
    p.oid::regprocedure::text AS name,
    p.prokind AS kind,
    pg_get_function_arguments(p.oid) AS arguments,
    pg_get_function_result(p.oid) AS result,
    l.lanname AS language,
    CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END AS definition,
    obj_description(p.oid, 'pg_proc') AS comment,
    -- who owns it and may run it (PostgreSQL's default ACL when it has none of its own)
    pg_get_userbyid(p.proowner) AS owner,
    ARRAY(SELECT a::text FROM unnest(coalesce(p.proacl, acldefault('f', p.proowner))) a ORDER BY 1) AS acl
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE n.nspname = ANY(%(schemas)s)
  AND NOT EXISTS (
      SELECT FROM pg_depend d
      WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  )
