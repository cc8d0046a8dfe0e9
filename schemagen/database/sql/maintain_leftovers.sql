-- The expired periods of a kept window that a maintenance run detached and stopped before archiving or
-- dropping: tables that are no partition and carry the comment `comment` it set on them (which names
-- the window's table), in whatever schema the period lives (`names:` may pin another than its table's).
SELECT n.nspname AS schema, c.relname AS name
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND NOT c.relispartition
  AND obj_description(c.oid, 'pg_class') = %(comment)s
ORDER BY c.relname, n.nspname
