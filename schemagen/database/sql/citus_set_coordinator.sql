-- The coordinator in the metadata too, so reference tables get a placement on it.
SELECT citus_set_coordinator_host(%(host)s, %(port)s)
