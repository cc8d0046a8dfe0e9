-- The expired periods of a kept window that a maintenance run detached and stopped before archiving or
-- dropping: tables of `schema` that are no partition and carry the comment `comment` it set on them.
SELECT c.relname
FROM pg_class AS c
WHERE c.relnamespace = to_regnamespace(%(schema)s)
  AND c.relkind = 'r'
  AND NOT c.relispartition
  AND obj_description(c.oid, 'pg_class') = %(comment)s
ORDER BY c.relname
