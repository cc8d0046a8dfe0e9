-- The columns of the relations whose oids are the `relations` parameter, in table order; of a
-- partition, only those that differ from its parent's (type, NOT NULL, default, generation, collation),
-- since the spec shapes every partition like its parent. `collation` is set only where it differs from
-- the type's own; `default_sequence` names the sequence the default reads, if any.
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
    d.description AS comment,
    seq.schema_name AS default_sequence_schema,
    seq.name AS default_sequence
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
-- a partition's column as its parent has it
LEFT JOIN pg_inherits inh ON c.relispartition AND inh.inhrelid = a.attrelid
LEFT JOIN pg_attribute pa ON pa.attrelid = inh.inhparent AND pa.attname = a.attname AND NOT pa.attisdropped
LEFT JOIN pg_attrdef pad ON pad.adrelid = pa.attrelid AND pad.adnum = pa.attnum
-- the sequence a default reads (nextval('…'::regclass) depends on it)
LEFT JOIN LATERAL (
    SELECT sn.nspname AS schema_name, s.relname AS name
    FROM pg_depend d
    JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
    JOIN pg_namespace sn ON sn.oid = s.relnamespace
    WHERE ad.oid IS NOT NULL AND d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid
      AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'n'
    ORDER BY 1, 2
    LIMIT 1
) seq ON true
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_description d
    ON d.objoid = a.attrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
WHERE a.attrelid = ANY(%(relations)s::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
  AND (
      NOT c.relispartition
      OR pa.attrelid IS NULL
      OR (pa.atttypid, pa.atttypmod, pa.attnotnull, pa.attgenerated, pa.attcollation)
          IS DISTINCT FROM (a.atttypid, a.atttypmod, a.attnotnull, a.attgenerated, a.attcollation)
      OR pg_get_expr(pad.adbin, pad.adrelid) IS DISTINCT FROM pg_get_expr(ad.adbin, ad.adrelid)
  )
ORDER BY a.attrelid, a.attnum
