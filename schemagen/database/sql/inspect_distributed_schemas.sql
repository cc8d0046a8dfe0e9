-- The schemas of the requested ones that Citus shards as a whole (schema-based sharding,
-- `citus_schema_distribute`): one row each, from the coordinator's `pg_dist_schema` (Citus 12 or later).
SELECT n.nspname AS name
FROM pg_dist_schema s
JOIN pg_namespace n ON n.oid = s.schemaid
WHERE n.nspname = ANY(%(schemas)s)
ORDER BY 1
