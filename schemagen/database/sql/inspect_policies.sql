-- The row-level security policies on relations of the requested schemas.
SELECT n.nspname AS schema, c.relname AS "table", p.polname AS name
FROM pg_policy p
JOIN pg_class c ON c.oid = p.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s)
ORDER BY 1, 2, 3
