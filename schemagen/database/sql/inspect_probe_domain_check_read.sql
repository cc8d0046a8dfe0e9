-- The probe domain's check as PostgreSQL stored it.
SELECT pg_get_expr(con.conbin, 0) AS expression
FROM pg_constraint con
WHERE con.contypid = %(probe)s::regtype AND con.conname = 'schemagen_probe'
