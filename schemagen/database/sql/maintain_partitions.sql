-- The partitions of a table whose window is kept over time (`parent`, a qualified name): each name, its
-- bound as the catalog prints it (read with TimeZone UTC, as the spec writes the bounds of a timestamptz
-- key), and whether a DETACH … CONCURRENTLY of it stopped between its two transactions.
SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound, i.inhdetachpending AS detach_pending
FROM pg_inherits AS i
JOIN pg_class AS c ON c.oid = i.inhrelid
WHERE i.inhparent = to_regclass(%(parent)s)
ORDER BY c.relname
