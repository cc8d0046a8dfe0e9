-- Where Citus keeps each table of the requested schemas: its kind, distribution column, shard count
-- and the other tables of its colocation group. Partitions are left out (they follow their parent),
-- and groups are named by their members, not by colocation ids, which differ from one cluster to the next.
-- A table of a distributed schema (schema-based sharding, pg_dist_schema) is of kind `schema`, its
-- group the other tables of its schema.
WITH citus_tables AS (
    SELECT p.logicalrelid, p.logicalrelid::regclass::text AS name, p.partmethod, p.repmodel,
           p.colocationid, column_to_column_name(p.logicalrelid, p.partkey) AS distribution_column,
           s.schemaid IS NOT NULL AS in_distributed_schema
    FROM pg_dist_partition p
    JOIN pg_class c ON c.oid = p.logicalrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_dist_schema s ON s.schemaid = c.relnamespace
    WHERE n.nspname = ANY(%(schemas)s) AND NOT c.relispartition
)
SELECT t.name,
       CASE WHEN t.partmethod = 'h' THEN 'hash'
            WHEN t.repmodel = 't' THEN 'reference'
            WHEN t.colocationid = 0 THEN 'citus local'
            WHEN t.in_distributed_schema THEN 'schema'
            ELSE 'single shard' END AS kind,
       t.distribution_column,
       CASE WHEN t.partmethod = 'h' THEN g.shardcount END AS shard_count,
       ARRAY(
           SELECT o.name FROM citus_tables o
           WHERE (t.partmethod = 'h' OR t.in_distributed_schema)
             AND o.colocationid = t.colocationid AND o.logicalrelid <> t.logicalrelid
           ORDER BY o.name
       ) AS colocated_with
FROM citus_tables t
LEFT JOIN pg_dist_colocation g ON g.colocationid = t.colocationid
ORDER BY t.name
