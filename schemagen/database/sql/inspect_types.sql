-- User-defined base types and collations of the requested schemas that no extension owns: the spec
-- cannot declare them (enums, domains, standalone composites and ranges are read by their own
-- queries; a column of such a collation names it, and needs it made by hand).
SELECT
    n.nspname AS schema,
    t.typname AS name,
    'base type' AS kind
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = ANY(%(schemas)s)
  AND t.typtype = 'b'
  AND t.typcategory <> 'A'
  AND NOT EXISTS (
      SELECT FROM pg_depend d
      WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
  )
UNION ALL
SELECT
    n.nspname AS schema,
    c.collname AS name,
    'collation' AS kind
FROM pg_collation c
JOIN pg_namespace n ON n.oid = c.collnamespace
WHERE n.nspname = ANY(%(schemas)s)
  AND NOT EXISTS (
      SELECT FROM pg_depend d
      WHERE d.classid = 'pg_collation'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  )
ORDER BY 1, 2
