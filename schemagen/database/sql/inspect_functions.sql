-- The functions, procedures and aggregates of the requested schemas that no extension owns, with
-- what telling schemagen's own archive and refresh functions apart needs: language, arguments,
-- result, body and comment; and for the user's own, volatility, strictness, security and whether the
-- body is SQL-standard (BEGIN ATOMIC, which the spec does not hold).
SELECT
    n.nspname AS schema,
    p.proname AS name,
    p.prokind AS kind,
    pg_get_function_identity_arguments(p.oid) AS identity_arguments,
    pg_get_function_arguments(p.oid) AS arguments,
    pg_get_function_result(p.oid) AS result,
    l.lanname AS language,
    p.prosrc AS body,
    p.provolatile AS volatility,
    p.proisstrict AS strict,
    p.prosecdef AS security_definer,
    p.prosqlbody IS NOT NULL AS standard_body,
    obj_description(p.oid, 'pg_proc') AS comment
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE n.nspname = ANY(%(schemas)s)
  AND NOT EXISTS (
      SELECT FROM pg_depend d
      WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  )
ORDER BY 1, 2, 4
