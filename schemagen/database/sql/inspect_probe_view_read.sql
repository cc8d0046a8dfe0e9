-- A probe view's query as PostgreSQL prints it.
SELECT pg_get_viewdef(%(probe)s::regclass) AS query
