-- What PostgreSQL 15 added to the keys and indexes of the relations whose oids are the `relations`
-- parameter, sent only to a server of 15 or later (an older catalog lacks these columns): the indexes
-- that treat nulls as not distinct, and the foreign keys that set only some columns ON DELETE. The
-- reader marks the rows of inspect_indexes.sql and inspect_constraints.sql with them.
SELECT 'index' AS kind, i.indexrelid AS oid
FROM pg_index i
WHERE i.indrelid = ANY(%(relations)s::oid[]) AND i.indnullsnotdistinct
UNION ALL
SELECT 'constraint' AS kind, con.oid
FROM pg_constraint con
WHERE con.conrelid = ANY(%(relations)s::oid[]) AND con.confdelsetcols IS NOT NULL
ORDER BY 1, 2
