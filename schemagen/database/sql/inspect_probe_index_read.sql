-- A probe index's definition as PostgreSQL prints it.
SELECT pg_get_indexdef(%(index)s::regclass) AS definition
