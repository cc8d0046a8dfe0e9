-- Take the migration lock if it is free; never waits. A session lock: it outlives transactions, so the
-- connection holding it needs none open, and a runner waiting for it polls without holding one (a
-- waiting transaction would stall the other runner's CREATE INDEX CONCURRENTLY forever).
SELECT pg_try_advisory_lock(%(key)s::bigint)
