-- The exclusion constraints of the relations whose oids are the `relations` parameter, their own (not
-- those PostgreSQL copied from a partitioned parent): each key as a column name or an expression, with
-- its operator, in key order; the access method, the predicate and whether it is deferrable.
SELECT
    con.conrelid AS relation,
    con.conname AS name,
    am.amname AS using,
    ARRAY(SELECT CASE WHEN i.indkey[k.n - 1] = 0 THEN NULL ELSE a.attname::text END
          FROM generate_series(1, i.indnkeyatts) AS k(n)
          LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.n - 1]
          ORDER BY k.n) AS columns,
    ARRAY(SELECT pg_get_indexdef(i.indexrelid, k.n, true)
          FROM generate_series(1, i.indnkeyatts) AS k(n) ORDER BY k.n) AS keys,
    ARRAY(SELECT o.oprname::text FROM unnest(con.conexclop) WITH ORDINALITY AS x(op, n)
          JOIN pg_operator o ON o.oid = x.op ORDER BY x.n) AS operators,
    pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
    con.condeferrable AS deferrable,
    con.condeferred AS deferred
FROM pg_constraint con
JOIN pg_index i ON i.indexrelid = con.conindid
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_am am ON am.oid = ic.relam
WHERE con.conrelid = ANY(%(relations)s::oid[])
  AND con.contype = 'x'
  AND con.conparentid = 0
ORDER BY con.conrelid, con.conname
