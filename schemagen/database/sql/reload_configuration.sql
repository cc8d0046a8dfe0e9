-- Settings written by ALTER SYSTEM take effect (those a reload can change).
SELECT pg_reload_conf()
