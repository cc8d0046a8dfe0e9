-- The requested schemas that exist.
SELECT n.nspname AS name, obj_description(n.oid, 'pg_namespace') AS comment,
       -- who owns it and may use it (PostgreSQL's default ACL when it has none of its own)
       pg_get_userbyid(n.nspowner) AS owner,
       ARRAY(SELECT a::text FROM unnest(coalesce(n.nspacl, acldefault('n', n.nspowner))) a ORDER BY 1) AS acl
FROM pg_namespace n
WHERE n.nspname = ANY(%(schemas)s)
