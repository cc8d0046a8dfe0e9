-- The constraints of the relations whose oids are the `relations` parameter that are their own: not
-- those PostgreSQL copied from a partitioned parent (or made for each partition of a referenced
-- partitioned table), nor checks a table inherits and does not declare itself. Columns come in key
-- order.
SELECT
    con.conrelid AS relation,
    con.conname AS name,
    con.contype AS type,
    ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, i)
          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.i) AS columns,
    rn.nspname AS ref_schema,
    rc.relname AS ref_table,
    ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, i)
          JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.i) AS ref_columns,
    con.confupdtype AS on_update,
    con.confdeltype AS on_delete,
    con.confmatchtype AS match,
    con.condeferrable AS deferrable,
    con.condeferred AS deferred,
    con.convalidated AS validated,
    con.connoinherit AS no_inherit,
    CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid, true) END AS expression,
    CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid) END AS raw_expression,
    pg_get_constraintdef(con.oid) AS definition,
    -- what PostgreSQL 15 added (ON DELETE SET NULL (column, …), NULLS NOT DISTINCT) is read by
    -- inspect_keys_15.sql, by these oids: of the constraint, and of a primary or unique key's index
    con.oid,
    i.indexrelid AS index,
    d.description AS comment
FROM pg_constraint con
LEFT JOIN pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
LEFT JOIN pg_index i ON i.indexrelid = con.conindid AND con.contype IN ('p', 'u')
LEFT JOIN pg_description d ON d.objoid = con.oid AND d.classoid = 'pg_constraint'::regclass AND d.objsubid = 0
WHERE con.conrelid = ANY(%(relations)s::oid[])
  AND con.conparentid = 0
  AND (con.contype <> 'c' OR con.conislocal)
ORDER BY con.conrelid, con.conname
