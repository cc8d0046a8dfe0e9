-- The sequences of the requested schemas that no extension owns, with their options and the column
-- that owns each: `identity` when it is the sequence of an identity column, else owned by a column
-- through OWNED BY (a serial's, dropped with its column) or standalone (`owner_table` null).
SELECT
    n.nspname AS schema,
    c.relname AS name,
    format_type(s.seqtypid, NULL) AS type,
    s.seqstart AS start,
    s.seqincrement AS increment,
    s.seqmin AS min_value,
    s.seqmax AS max_value,
    s.seqcache AS cache,
    s.seqcycle AS cycle,
    own.schema_name AS owner_schema,
    own.table_name AS owner_table,
    own.column_name AS owner_column,
    own.deptype = 'i' AS identity,
    obj_description(c.oid, 'pg_class') AS comment
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_sequence s ON s.seqrelid = c.oid
LEFT JOIN LATERAL (
    SELECT d.deptype, tn.nspname AS schema_name, t.relname AS table_name, a.attname AS column_name
    FROM pg_depend d
    JOIN pg_class t ON t.oid = d.refobjid
    JOIN pg_namespace tn ON tn.oid = t.relnamespace
    JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
      AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
) own ON true
WHERE n.nspname = ANY(%(schemas)s)
  AND c.relkind = 'S'
  AND NOT EXISTS (
      SELECT FROM pg_depend d
      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  )
ORDER BY 1, 2
