-- The columns rows can be written into, table by table, with what a value of each needs: its type as
-- format_type() spells it and an enum's labels. Tables of the user schemas only, no partitions (rows go through their parent), in oid
-- order (referenced tables are usually created first; the seeder also makes several passes).
SELECT
    c.oid AS relation,
    n.nspname AS schema,
    c.relname AS table,
    a.attname AS column,
    format_type(a.atttypid, a.atttypmod) AS type,
    t.typcategory AS category,
    a.attnotnull AS not_null,
    a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '' AS has_value,
    a.attgenerated <> '' AS generated,
    CASE WHEN t.typtype = 'e'
        THEN ARRAY(SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
    END AS labels
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname !~ '^pg_' AND n.nspname NOT IN ('information_schema', 'schemagen')
  AND NOT EXISTS (
      SELECT FROM pg_depend d
      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  )
ORDER BY c.oid, a.attnum
