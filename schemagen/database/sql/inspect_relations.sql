-- Tables, partitions, views, materialized views and foreign tables of the requested schemas that no
-- extension owns. `parent` is the oid a partition belongs to; `bound` its FOR VALUES clause.
SELECT
    c.oid,
    n.nspname AS schema,
    c.relname AS name,
    c.relkind AS kind,
    c.relpersistence AS persistence,
    c.relispartition AS is_partition,
    (SELECT i.inhparent FROM pg_inherits i WHERE i.inhrelid = c.oid AND c.relispartition) AS parent,
    CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
    pg_get_expr(c.relpartbound, c.oid) AS bound,
    ARRAY(SELECT i.inhparent::regclass::text FROM pg_inherits i
          WHERE i.inhrelid = c.oid AND NOT c.relispartition ORDER BY 1) AS inherits,
    CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END AS query,
    CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS raw_query,
    c.relispopulated AS populated,
    -- a TOAST table's own options are the table's `toast.` ones
    ARRAY(SELECT o FROM unnest(c.reloptions) AS o
          UNION ALL
          SELECT 'toast.' || o FROM pg_class t, unnest(t.reloptions) AS o WHERE t.oid = c.reltoastrelid
          ORDER BY 1) AS options,
    c.relrowsecurity AS row_security,
    d.description AS comment
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
WHERE n.nspname = ANY(%(schemas)s)
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND NOT EXISTS (
      SELECT FROM pg_depend d
      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  )
ORDER BY c.oid
