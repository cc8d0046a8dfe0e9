-- The standalone composite types (CREATE TYPE … AS (…)) of the requested schemas that no extension
-- owns: their attributes in order, each with its type and its collation where it is not its type's
-- (with the collation's schema).
SELECT
    n.nspname AS schema,
    t.typname AS name,
    obj_description(t.oid, 'pg_type') AS comment,
    COALESCE((
        SELECT jsonb_agg(jsonb_build_object(
            'name', a.attname,
            'type', format_type(a.atttypid, a.atttypmod),
            'collated', a.attcollation <> at.typcollation,
            'collation', CASE WHEN a.attcollation <> at.typcollation THEN co.collname END,
            'collation_schema', CASE WHEN a.attcollation <> at.typcollation THEN con.nspname END
        ) ORDER BY a.attnum)
        FROM pg_attribute a
        JOIN pg_type at ON at.oid = a.atttypid
        LEFT JOIN pg_collation co ON co.oid = a.attcollation
        LEFT JOIN pg_namespace con ON con.oid = co.collnamespace
        WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
    ), '[]'::jsonb) AS attributes
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_class c ON c.oid = t.typrelid
WHERE n.nspname = ANY(%(schemas)s)
  AND t.typtype = 'c'
  AND c.relkind = 'c'
  AND NOT EXISTS (
      SELECT FROM pg_depend d
      WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
  )
ORDER BY 1, 2
