-- The functions, procedures and aggregates of the requested schemas that no extension or type owns
-- (a range type's constructors go with it), with what telling schemagen's own archive and refresh
-- functions apart needs: language, arguments, result, body and comment; and for the user's own,
-- volatility, strictness, security and a SQL-standard body (`RETURN …`, `BEGIN ATOMIC … END`) as
-- PostgreSQL prints it.
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
    CASE WHEN p.prosqlbody IS NOT NULL THEN pg_get_function_sqlbody(p.oid) END AS sql_body,
    obj_description(p.oid, 'pg_proc') AS comment,
    -- an aggregate's: whether the spec can hold it (a plain one, without moving-aggregate, sort,
    -- serial or final-modify options), its state type and initial value, its functions and their schemas
    a.aggkind = 'n' AND a.aggmtransfn = 0 AND a.aggsortop = 0 AND a.aggserialfn = 0
        AND a.aggdeserialfn = 0 AND NOT a.aggfinalextra AND a.aggtransspace = 0
        AND a.aggfinalmodify = 'r' AS plain_aggregate,
    format_type(a.aggtranstype, NULL) AS state_type,
    a.agginitval AS initial_value,
    sf.proname AS state_function,
    sfn.nspname AS state_function_schema,
    ff.proname AS final_function,
    ffn.nspname AS final_function_schema,
    cf.proname AS combine_function,
    cfn.nspname AS combine_function_schema,
    p.proparallel AS parallel
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid
LEFT JOIN pg_proc sf ON sf.oid = a.aggtransfn
LEFT JOIN pg_namespace sfn ON sfn.oid = sf.pronamespace
LEFT JOIN pg_proc ff ON ff.oid = a.aggfinalfn
LEFT JOIN pg_namespace ffn ON ffn.oid = ff.pronamespace
LEFT JOIN pg_proc cf ON cf.oid = a.aggcombinefn
LEFT JOIN pg_namespace cfn ON cfn.oid = cf.pronamespace
WHERE n.nspname = ANY(%(schemas)s)
  AND NOT EXISTS (
      SELECT FROM pg_depend d
      WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  )
  -- the constructors PostgreSQL makes with a range type and its multirange type go with the type
  AND NOT EXISTS (
      SELECT FROM pg_depend d
      WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'i'
        AND d.refclassid = 'pg_type'::regclass
  )
ORDER BY 1, 2, 4
