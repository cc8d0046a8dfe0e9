-- pg_partman's settings of each table it maintains (its `part_config` table, `table`): how many
-- periods it makes ahead, how long it keeps them, and whether it keeps an expired one as a table.
SELECT parent_table, premake, retention, retention_keep_table
FROM {table}
