-- The access settings of the relations whose oids are the `relations` parameter: owner (and the
-- owners of its schema and of the database, which a spec leaves unsaid), every ACL entry (grantee
-- NULL for PUBLIC; none when the table keeps PostgreSQL's default ACL), row-level security and
-- replica identity (with its index).
SELECT
    c.oid AS relation,
    pg_get_userbyid(c.relowner) AS owner,
    pg_get_userbyid(n.nspowner) AS schema_owner,
    (SELECT pg_get_userbyid(d.datdba) FROM pg_database d WHERE d.datname = current_database()) AS database_owner,
    c.relacl IS NOT NULL AS has_acl,
    ARRAY(
        SELECT jsonb_build_object(
            'grantor', pg_get_userbyid(a.grantor),
            'grantee', CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END,
            'privilege', lower(a.privilege_type),
            'grantable', a.is_grantable)
        FROM aclexplode(c.relacl) a
        ORDER BY 1::text
    ) AS acl,
    c.relrowsecurity AS row_security,
    c.relforcerowsecurity AS force_row_security,
    c.relreplident AS replica_identity,
    (SELECT ic.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
     WHERE i.indrelid = c.oid AND i.indisreplident) AS replica_index
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = ANY(%(relations)s)
ORDER BY c.oid
