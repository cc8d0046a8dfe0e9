-- An INVALID index of this name on this table: what a failed CREATE INDEX CONCURRENTLY leaves behind.
-- `IF NOT EXISTS` would skip it on a re-run and leave it invalid, so the runner drops it first.
SELECT n.nspname AS schema, c.relname AS name
FROM pg_index AS i
JOIN pg_class AS c ON c.oid = i.indexrelid
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE NOT i.indisvalid
  AND c.relname = %(index)s
  AND i.indrelid = to_regclass(
      CASE
          WHEN %(schema)s::text IS NULL THEN quote_ident(%(table)s::text)
          ELSE quote_ident(%(schema)s::text) || '.' || quote_ident(%(table)s::text)
      END
  )
