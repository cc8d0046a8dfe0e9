-- A probe function's SQL-standard body as PostgreSQL prints it: the probe is the session's own copy, in
-- pg_temp, of the function of that name and arguments (its name is the function's: PostgreSQL prints
-- the arguments a body reads qualified by it).
SELECT pg_get_function_sqlbody(p.oid) AS body
FROM pg_proc p
WHERE p.pronamespace = pg_my_temp_schema()
  AND p.proname = %(name)s
  AND pg_get_function_identity_arguments(p.oid) = %(identity)s
