-- The partitions of a table whose window is kept over time (`parent`, a qualified name): each name, its
-- bound as the catalog prints it (read with TimeZone UTC, as the spec writes the bounds of a timestamptz
-- key), whether a DETACH … CONCURRENTLY of it stopped between its two transactions, and its schema.
SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound, i.inhdetachpending AS detach_pending,
    n.nspname AS schema
FROM pg_inherits AS i
JOIN pg_class AS c ON c.oid = i.inhrelid
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE i.inhparent = to_regclass(%(parent)s)
ORDER BY c.relname
