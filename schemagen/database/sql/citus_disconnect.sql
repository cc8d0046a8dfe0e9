-- Ends the sessions still in the template (the maintenance daemon, the other nodes' deadlock
-- detectors), which would keep it from being cloned.
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %(database)s
