-- The sessions the runner's working backend waits for (pg_blocking_pids), what they are doing, and the
-- lock it is waiting for. Polled on the connection that holds the migration lock while a step runs, so
-- that a step giving up on lock_timeout can name who held the table. The query text is
-- "<insufficient privilege>" for another role's session unless the runner's role has pg_read_all_stats.
WITH waiting AS (
    SELECT l.mode, l.locktype, l.relation::regclass::text AS relation
    FROM pg_locks AS l
    WHERE l.pid = %(pid)s AND NOT l.granted
    LIMIT 1
)
SELECT a.pid, a.application_name, a.state, a.query,
       extract(epoch FROM now() - a.xact_start)::float8 AS transaction_seconds,
       w.mode, w.locktype, w.relation
FROM unnest(pg_blocking_pids(%(pid)s)) AS b(pid)
JOIN pg_stat_activity AS a ON a.pid = b.pid
LEFT JOIN waiting AS w ON true
ORDER BY a.pid
