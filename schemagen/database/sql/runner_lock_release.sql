-- Give the migration lock back (closing the session would too).
SELECT pg_advisory_unlock(%(key)s::bigint)
