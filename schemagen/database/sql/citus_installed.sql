-- Whether the Citus catalog exists in this database (its tables cannot be named before it does).
SELECT to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL AS installed
