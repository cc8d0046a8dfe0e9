-- Drop an invalid index left by a failed concurrent build, without blocking writes to its table.
DROP INDEX CONCURRENTLY IF EXISTS {index}
