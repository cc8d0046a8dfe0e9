-- The rewrite rules on relations of the requested schemas, but the one that makes a view a view.
SELECT n.nspname AS schema, c.relname AS "table", r.rulename AS name
FROM pg_rewrite r
JOIN pg_class c ON c.oid = r.ev_class
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s) AND r.rulename <> '_RETURN'
ORDER BY 1, 2, 3
