-- The probe domain's default as PostgreSQL stored it.
SELECT pg_get_expr(t.typdefaultbin, 0) AS expression FROM pg_type t WHERE t.oid = %(probe)s::regtype
