-- The row-level security policies of the relations whose oids are the `relations` parameter: roles
-- by name ('public' for PUBLIC), their expressions as PostgreSQL prints them, their comments.
SELECT
    p.polrelid AS relation,
    p.polname AS name,
    CASE p.polcmd WHEN 'r' THEN 'select' WHEN 'a' THEN 'insert' WHEN 'w' THEN 'update'
                  WHEN 'd' THEN 'delete' ELSE 'all' END AS command,
    p.polpermissive AS permissive,
    ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r) END FROM unnest(p.polroles) r
          ORDER BY 1) AS roles,
    pg_get_expr(p.polqual, p.polrelid, true) AS using,
    pg_get_expr(p.polwithcheck, p.polrelid, true) AS with_check,
    pg_get_expr(p.polqual, p.polrelid) AS raw_using,
    pg_get_expr(p.polwithcheck, p.polrelid) AS raw_with_check,
    obj_description(p.oid, 'pg_policy') AS comment
FROM pg_policy p
WHERE p.polrelid = ANY(%(relations)s)
ORDER BY p.polrelid, p.polname
