-- The indexes of the relations whose oids are the `relations` parameter (see relations.sql).
SELECT
    i.indrelid::regclass::text AS relation,
    i.indexrelid::regclass::text AS name,
    pg_get_indexdef(i.indexrelid) AS definition,
    i.indisunique AS is_unique,
    i.indisprimary AS is_primary,
    i.indisvalid AS valid,
    i.indisclustered AS clustered,
    (SELECT inh.inhparent::regclass::text FROM pg_inherits inh WHERE inh.inhrelid = i.indexrelid) AS parent,
    obj_description(i.indexrelid, 'pg_class') AS comment
FROM pg_index i
WHERE i.indrelid = ANY(%(relations)s::oid[])
