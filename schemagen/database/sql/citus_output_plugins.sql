-- The logical output plugins this server lets replication connections load; no row on a server that
-- predates the setting (it came with later minor releases, and such a server loads any plugin).
SELECT setting FROM pg_settings WHERE name = 'output_plugin_libraries'
