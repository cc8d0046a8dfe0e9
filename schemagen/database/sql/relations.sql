-- The relations of the requested schemas that no extension owns. Their oids, returned as `oid`, are
-- the `relations` parameter of the per-relation queries (columns, constraints, indexes, triggers).
-- The expired periods maintenance detached and left (their comment says so) are no part of the schema.
SELECT
    c.oid,
    c.oid::regclass::text AS name,
    c.relkind AS kind,
    c.relpersistence AS persistence,
    CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
    (SELECT i.inhparent::regclass::text FROM pg_inherits i
     WHERE i.inhrelid = c.oid AND c.relispartition) AS partition_of,
    pg_get_expr(c.relpartbound, c.oid) AS partition_bound,
    ARRAY(SELECT i.inhparent::regclass::text FROM pg_inherits i
          WHERE i.inhrelid = c.oid AND NOT c.relispartition ORDER BY 1) AS inherits,
    CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END AS definition,
    CASE WHEN c.relkind = 'm' THEN c.relispopulated END AS populated,
    -- a TOAST table's own options are the table's `toast.` ones
    ARRAY(SELECT o FROM unnest(c.reloptions) AS o
          UNION ALL
          SELECT 'toast.' || o FROM pg_class t, unnest(t.reloptions) AS o WHERE t.oid = c.reltoastrelid
          ORDER BY 1) AS options,
    c.relrowsecurity AS row_security,
    c.relforcerowsecurity AS force_row_security,
    c.relreplident AS replica_identity,
    -- a table's access: its ACL and owner (as text, in order), the index of its replica identity, its
    -- policies. An object with no ACL of its own has PostgreSQL's default one (which a REVOKE of the
    -- last grant leaves written out).
    CASE WHEN c.relkind IN ('r', 'p', 'v', 'm', 'S') THEN
        ARRAY(SELECT a::text
              FROM unnest(coalesce(c.relacl, acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char", c.relowner))) a
              ORDER BY 1)
    END AS acl,
    CASE WHEN c.relkind IN ('r', 'p', 'v', 'm', 'S') THEN pg_get_userbyid(c.relowner) END AS owner,
    (SELECT ic.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
     WHERE i.indrelid = c.oid AND i.indisreplident) AS replica_index,
    ARRAY(SELECT p.polname || ' ' || CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END
                 || ' ' || p.polcmd::text || ' TO ' || p.polroles::regrole[]::text
                 || ' USING ' || coalesce(pg_get_expr(p.polqual, p.polrelid), '-')
                 || ' WITH CHECK ' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '-')
          FROM pg_policy p WHERE p.polrelid = c.oid ORDER BY p.polname) AS policies,
    obj_description(c.oid, 'pg_class') AS comment,
    format_type(s.seqtypid, NULL) AS sequence_type,
    s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
    (SELECT d.refobjid::regclass::text || '.' || a.attname
     FROM pg_depend d
     JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
     WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
       AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')) AS owned_by
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_sequence s ON s.seqrelid = c.oid
WHERE n.nspname = ANY(%(schemas)s)
  AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND NOT EXISTS (
      SELECT FROM pg_depend d
      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  )
  AND NOT (c.relkind = 'r' AND NOT c.relispartition
           AND coalesce(obj_description(c.oid, 'pg_class'), '') LIKE 'schemagen: expired period of %%')
