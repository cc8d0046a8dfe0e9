-- The foreign keys of the tables rows are written into: their columns, and the table and columns
-- they reference, so a row takes its values for them from one row of the referenced table.
SELECT
    f.conrelid AS relation,
    ARRAY(SELECT a.attname FROM unnest(f.conkey) WITH ORDINALITY AS k(attnum, n)
          JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.attnum ORDER BY k.n) AS columns,
    rn.nspname AS ref_schema,
    rc.relname AS ref_table,
    ARRAY(SELECT a.attname FROM unnest(f.confkey) WITH ORDINALITY AS k(attnum, n)
          JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = k.attnum ORDER BY k.n) AS ref_columns
FROM pg_constraint f
JOIN pg_class c ON c.oid = f.conrelid
JOIN pg_class rc ON rc.oid = f.confrelid
JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE f.contype = 'f' AND NOT c.relispartition AND f.conparentid = 0
ORDER BY f.conrelid, f.conname
