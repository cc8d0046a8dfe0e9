-- The probe policy's expressions as PostgreSQL stored them.
SELECT pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
FROM pg_policy p
WHERE p.polrelid = %(probe)s::regclass AND p.polname = 'schemagen_probe'
