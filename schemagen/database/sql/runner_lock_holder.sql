-- The server process holding the migration lock in this database, if any, and what it is doing. A
-- bigint advisory key shows in pg_locks as classid (high 32 bits), objid (low 32 bits) and objsubid 1.
SELECT l.pid, a.application_name, a.state, a.query
FROM pg_locks AS l
JOIN pg_database AS d ON d.oid = l.database
LEFT JOIN pg_stat_activity AS a ON a.pid = l.pid
WHERE l.locktype = 'advisory'
  AND l.granted
  AND d.datname = current_database()
  AND l.objsubid = 1
  AND l.classid::bigint = (%(key)s::bigint >> 32)
  AND l.objid::bigint = (%(key)s::bigint & 4294967295)
LIMIT 1
