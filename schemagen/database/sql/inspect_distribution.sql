-- How Citus places each table of the requested schemas: one row per table in Citus's metadata. Sent
-- only when the `citus` extension (12 or later: pg_dist_schema) is installed, since these catalogs
-- come with it. It reads the coordinator's own metadata tables, not the `citus_tables` view, which asks
-- every node for its shard sizes. Partitions have rows of their own there and are left out: they
-- follow their parent. `kind` is classified as the `citus_tables` view does:
--   hash          partmethod h: hash-distributed by `column`, `shard_count` shards per colocation group
--   reference     partmethod n, repmodel t: a copy on every node
--   citus_local   partmethod n, colocation 0: in the metadata, its rows on the coordinator only
--                 (`autoconverted` when Citus added it for a foreign key to a reference table)
--   schema        partmethod n, colocated by its distributed schema (schema-based sharding)
--   single_shard  partmethod n otherwise: create_distributed_table without a distribution column
--   append, range the legacy methods a and r
SELECT
    n.nspname AS schema,
    c.relname AS name,
    CASE
        WHEN p.partmethod = 'h' THEN 'hash'
        WHEN p.partmethod = 'a' THEN 'append'
        WHEN p.partmethod = 'r' THEN 'range'
        WHEN p.repmodel = 't' THEN 'reference'
        WHEN p.colocationid = 0 THEN 'citus_local'
        WHEN s.schemaid IS NOT NULL THEN 'schema'
        ELSE 'single_shard'
    END AS kind,
    -- the column's name now: the metadata keeps its number, so a renamed column reads as renamed
    column_to_column_name(p.logicalrelid, p.partkey) AS "column",
    p.colocationid AS colocation_id,
    g.shardcount AS shard_count,
    g.replicationfactor AS replication_factor,
    p.autoconverted
FROM pg_dist_partition p
JOIN pg_class c ON c.oid = p.logicalrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_dist_colocation g ON g.colocationid = p.colocationid
LEFT JOIN pg_dist_schema s ON s.schemaid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s)
  AND NOT c.relispartition
ORDER BY 1, 2
