-- The server process holding the migration lock in this database, if any. A bigint advisory key shows
-- in pg_locks as classid (high 32 bits), objid (low 32 bits) and objsubid 1.
SELECT l.pid
FROM pg_locks AS l
JOIN pg_database AS d ON d.oid = l.database
WHERE l.locktype = 'advisory'
  AND l.granted
  AND d.datname = current_database()
  AND l.objsubid = 1
  AND l.classid::bigint = (%(key)s::bigint >> 32)
  AND l.objid::bigint = (%(key)s::bigint & 4294967295)
LIMIT 1
