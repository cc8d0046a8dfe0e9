-- The enums, domains, standalone composite types and range types of the requested schemas that no
-- extension owns.
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
    CASE WHEN t.typtype = 'c' THEN
        ARRAY(SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                     || CASE WHEN a.attcollation <> at.typcollation
                        THEN ' COLLATE ' || a.attcollation::regcollation::text ELSE '' END
              FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid
              WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum)
    END AS attributes,
    CASE WHEN t.typtype = 'r' THEN
        (SELECT jsonb_build_object(
            'subtype', format_type(r.rngsubtype, NULL),
            'subtype_diff', r.rngsubdiff::regproc::text,
            'canonical', r.rngcanonical::regproc::text,
            'collation', CASE WHEN r.rngcollation <> 0 THEN r.rngcollation::regcollation::text END,
            'opclass', (SELECT oc.opcname FROM pg_opclass oc WHERE oc.oid = r.rngsubopc),
            'multirange', r.rngmultitypid::regtype::text)
         FROM pg_range r WHERE r.rngtypid = t.oid)
    END AS range,
    obj_description(t.oid, 'pg_type') AS comment
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_class c ON c.oid = t.typrelid
WHERE n.nspname = ANY(%(schemas)s)
  AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND c.relkind = 'c'))
  AND NOT EXISTS (
      SELECT FROM pg_depend d
      WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
  )
