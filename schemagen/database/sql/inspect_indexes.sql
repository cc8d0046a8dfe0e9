-- The indexes of the relations whose oids are the `relations` parameter, except those that back a
-- primary key, unique or exclusion constraint and those PostgreSQL created on a partition for its
-- parent's index (attached to it). `elements` lists every key and INCLUDE column in order: a column or
-- an expression, a non-default operator class, DESC / NULLS FIRST, a collation of its own.
SELECT
    i.indrelid AS relation,
    ic.relname AS name,
    am.amname AS method,
    i.indisunique AS is_unique,
    i.indexrelid AS index,  -- NULLS NOT DISTINCT (PostgreSQL 15+) is read by inspect_keys_15.sql
    i.indnkeyatts AS key_count,
    pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
    pg_get_expr(i.indpred, i.indrelid) AS raw_predicate,
    pg_get_indexdef(i.indexrelid) AS definition,
    i.indisvalid AS valid,
    ARRAY(SELECT o FROM unnest(ic.reloptions) AS o ORDER BY o) AS options,
    d.description AS comment,
    (
        SELECT jsonb_agg(jsonb_build_object(
            'column', a.attname,
            'expression', CASE WHEN i.indkey[k - 1] = 0 THEN pg_get_indexdef(i.indexrelid, k, true) END,
            'opclass', CASE WHEN NOT opc.opcdefault THEN opc.opcname END,
            'opclass_schema', CASE WHEN NOT opc.opcdefault THEN opcn.nspname END,
            'descending', (i.indoption[k - 1] & 1) <> 0,
            'nulls_first', (i.indoption[k - 1] & 2) <> 0,
            'own_collation', i.indcollation[k - 1] <> 0 AND a.attnum IS NOT NULL
                AND i.indcollation[k - 1] <> a.attcollation
        ) ORDER BY k)
        FROM generate_series(1, i.indnatts) AS k
        LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1] AND i.indkey[k - 1] <> 0
        LEFT JOIN pg_opclass opc ON opc.oid = i.indclass[k - 1] AND k <= i.indnkeyatts
        LEFT JOIN pg_namespace opcn ON opcn.oid = opc.opcnamespace
    ) AS elements
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_am am ON am.oid = ic.relam
LEFT JOIN pg_description d ON d.objoid = i.indexrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
WHERE i.indrelid = ANY(%(relations)s::oid[])
  AND NOT EXISTS (
      SELECT FROM pg_constraint con
      WHERE con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x')
  )
  AND NOT EXISTS (SELECT FROM pg_inherits inh WHERE inh.inhrelid = i.indexrelid)
ORDER BY i.indrelid, ic.relname
