-- The probe CHECK's expression as PostgreSQL stored it.
SELECT pg_get_expr(con.conbin, con.conrelid) AS expression
FROM pg_constraint con
WHERE con.conrelid = %(probe)s::regclass AND con.conname = 'schemagen_probe'
