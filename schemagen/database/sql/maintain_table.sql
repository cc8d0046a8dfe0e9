-- Whether a table whose window is kept over time (`parent`, a qualified name) is a partitioned table of
-- the database: its relkind ('p'), or no row.
SELECT c.relkind
FROM pg_class AS c
WHERE c.oid = to_regclass(%(parent)s)
