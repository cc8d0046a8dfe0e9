-- The enums and domains of the requested schemas that no extension owns.
SELECT
    t.oid::regtype::text AS name,
    t.typtype AS kind,
    CASE WHEN t.typtype = 'e' THEN
        ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
    END AS labels,
    CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base_type,
    CASE WHEN t.typtype = 'd' THEN t.typnotnull END AS not_null,
    t.typdefault AS "default",
    CASE WHEN t.typtype = 'd' AND t.typcollation <> bt.typcollation
        THEN t.typcollation::regcollation::text END AS collation,
    CASE WHEN t.typtype = 'd' THEN
        (SELECT jsonb_object_agg(con.conname, pg_get_constraintdef(con.oid))
         FROM pg_constraint con WHERE con.contypid = t.oid)
    END AS constraints,
    obj_description(t.oid, 'pg_type') AS comment
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
WHERE n.nspname = ANY(%(schemas)s)
  AND t.typtype IN ('e', 'd')
  AND NOT EXISTS (
      SELECT FROM pg_depend d
      WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
  )
