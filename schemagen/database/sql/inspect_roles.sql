-- The roles named by the `names` parameter that are neither superusers nor PostgreSQL's own (pg_*),
-- with the roles each is a member of.
SELECT
    r.rolname AS name,
    r.rolcanlogin AS login,
    r.rolinherit AS inherit,
    ARRAY(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
          WHERE m.member = r.oid ORDER BY 1) AS member_of
FROM pg_roles r
WHERE r.rolname = ANY(%(names)s) AND NOT r.rolsuper AND r.rolname NOT LIKE 'pg\_%%'
ORDER BY 1
