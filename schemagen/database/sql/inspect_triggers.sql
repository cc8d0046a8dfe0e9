-- The user-defined triggers on relations of the requested schemas (the copies PostgreSQL makes on
-- partitions left out), with the function each one calls: its schema, and the extension it belongs to;
-- and its comment.
SELECT n.nspname AS schema, c.relname AS "table", t.tgname AS name, pg_get_triggerdef(t.oid) AS definition,
       p.proname AS function_name, pn.nspname AS function_schema,
       (SELECT e.extname FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
        WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.refclassid = 'pg_extension'::regclass
          AND d.deptype = 'e') AS function_extension,
       obj_description(t.oid, 'pg_trigger') AS comment
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_proc p ON p.oid = t.tgfoid
JOIN pg_namespace pn ON pn.oid = p.pronamespace
WHERE n.nspname = ANY(%(schemas)s)
  AND NOT t.tgisinternal
  AND NOT EXISTS (SELECT FROM pg_trigger parent WHERE parent.oid = (to_jsonb(t) ->> 'tgparentid')::oid)
ORDER BY 1, 2, 3
