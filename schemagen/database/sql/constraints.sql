-- The constraints of the relations whose oids are the `relations` parameter (see relations.sql).
SELECT
    con.conrelid::regclass::text AS relation,
    con.conname AS name,
    con.contype AS type,
    pg_get_constraintdef(con.oid) AS definition,
    con.condeferrable AS deferrable,
    con.condeferred AS deferred,
    con.convalidated AS validated,
    (SELECT p.conrelid::regclass::text || '.' || p.conname
     FROM pg_constraint p WHERE p.oid = con.conparentid) AS parent,
    con.conislocal AS local,
    con.coninhcount AS inherited_count,
    obj_description(con.oid, 'pg_constraint') AS comment
FROM pg_constraint con
WHERE con.conrelid = ANY(%(relations)s::oid[])
