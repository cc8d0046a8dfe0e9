-- The user-defined triggers of the relations whose oids are the `relations` parameter (see relations.sql).
SELECT
    t.tgrelid::regclass::text AS relation,
    t.tgname AS name,
    pg_get_triggerdef(t.oid) AS definition,
    t.tgenabled AS enabled,
    (SELECT p.tgrelid::regclass::text || '.' || p.tgname
     FROM pg_trigger p WHERE p.oid = t.tgparentid) AS parent,
    obj_description(t.oid, 'pg_trigger') AS comment
FROM pg_trigger t
WHERE t.tgrelid = ANY(%(relations)s::oid[]) AND NOT t.tgisinternal
