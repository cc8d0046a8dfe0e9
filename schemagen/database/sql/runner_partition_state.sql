-- Whether `child` is still a partition of `parent`, and whether a DETACH … CONCURRENTLY of it was
-- interrupted (the detach is pending until `DETACH PARTITION … FINALIZE`). No row: already detached.
SELECT i.inhdetachpending AS pending
FROM pg_inherits AS i
WHERE i.inhparent = to_regclass(%(parent)s)
  AND i.inhrelid = to_regclass(%(child)s)
