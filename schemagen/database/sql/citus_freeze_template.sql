-- A database can only be a template while nobody is connected: Citus's maintenance daemon and the
-- other nodes' deadlock detectors are, so the template takes no more connections and loses these.
ALTER DATABASE {database} ALLOW_CONNECTIONS false
