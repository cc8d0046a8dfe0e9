-- The other sessions holding a lock on a table that a LOCK TABLE … NOWAIT of the runner found busy: a
-- NOWAIT lock never waits, so pg_blocking_pids has nothing to say about it.
SELECT DISTINCT a.pid, a.application_name, a.state, a.query,
       extract(epoch FROM now() - a.xact_start)::float8 AS transaction_seconds,
       l.mode
FROM pg_locks AS l
JOIN pg_stat_activity AS a ON a.pid = l.pid
WHERE l.relation = to_regclass(%(relation)s)
  AND l.granted
  AND l.pid <> ALL (%(ours)s::int[])
ORDER BY a.pid
