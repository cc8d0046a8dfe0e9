-- The domains of the requested schemas that no extension owns: the base type, NOT NULL, the default,
-- the collation where it differs from the base type's, and the CHECK constraints by name (their
-- expressions as pg_get_expr prints them, `validated` false for one added NOT VALID).
SELECT
    n.nspname AS schema,
    t.typname AS name,
    format_type(t.typbasetype, t.typtypmod) AS type,
    t.typnotnull AS not_null,
    pg_get_expr(t.typdefaultbin, 0, true) AS "default",
    pg_get_expr(t.typdefaultbin, 0) AS raw_default,
    CASE WHEN t.typcollation <> bt.typcollation THEN co.collname END AS collation,
    CASE WHEN t.typcollation <> bt.typcollation THEN cn.nspname END AS collation_schema,
    COALESCE((
        SELECT jsonb_agg(jsonb_build_object(
            'name', con.conname,
            'expression', pg_get_expr(con.conbin, 0, true),
            'raw_expression', pg_get_expr(con.conbin, 0),
            'validated', con.convalidated
        ) ORDER BY con.conname)
        FROM pg_constraint con
        WHERE con.contypid = t.oid AND con.contype = 'c'
    ), '[]'::jsonb) AS checks,
    obj_description(t.oid, 'pg_type') AS comment
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_collation co ON co.oid = t.typcollation
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
WHERE n.nspname = ANY(%(schemas)s)
  AND t.typtype = 'd'
  AND NOT EXISTS (
      SELECT FROM pg_depend d
      WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
  )
ORDER BY t.typname, n.nspname
