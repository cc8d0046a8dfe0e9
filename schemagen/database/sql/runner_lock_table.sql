-- Take a lock, waiting for it at most lock_timeout: the first lock of a step, taken holding none.
LOCK TABLE {table} IN {mode} MODE
