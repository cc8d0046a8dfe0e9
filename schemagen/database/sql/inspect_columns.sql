-- The columns of the relations whose oids are the `relations` parameter, in table order. `collation`
-- is set only where it differs from the type's own; `default_sequence` names the sequence the default
-- reads, if any.
SELECT
    a.attrelid AS relation,
    a.attname AS name,
    format_type(a.atttypid, a.atttypmod) AS type,
    a.attnotnull AS not_null,
    pg_get_expr(ad.adbin, ad.adrelid, true) AS expression,
    pg_get_expr(ad.adbin, ad.adrelid) AS raw_expression,
    a.attidentity AS identity,
    a.attgenerated AS generated,
    CASE WHEN a.attcollation <> t.typcollation THEN co.collname END AS collation,
    CASE WHEN a.attcollation <> t.typcollation THEN cn.nspname END AS collation_schema,
    col_description(a.attrelid, a.attnum) AS comment,
    seq.schema_name AS default_sequence_schema,
    seq.name AS default_sequence
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
-- the sequence a default reads (nextval('…'::regclass) depends on it)
LEFT JOIN LATERAL (
    SELECT sn.nspname AS schema_name, s.relname AS name
    FROM pg_depend d
    JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
    JOIN pg_namespace sn ON sn.oid = s.relnamespace
    WHERE d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid
      AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'n'
    ORDER BY 1, 2
    LIMIT 1
) seq ON true
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
WHERE a.attrelid = ANY(%(relations)s::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
