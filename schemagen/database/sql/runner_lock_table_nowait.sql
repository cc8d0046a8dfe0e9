-- Take a further lock of a step without waiting: a migration never waits while it holds a lock.
LOCK TABLE {table} IN {mode} MODE NOWAIT
