-- A probe table's partition key as PostgreSQL prints it.
SELECT pg_get_partkeydef(%(probe)s::regclass) AS key
