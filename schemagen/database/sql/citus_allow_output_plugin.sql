-- Citus moves shards and distributes tables concurrently by logical replication through its own
-- output plugin, which a server with `output_plugin_libraries` loads only when listed there.
ALTER SYSTEM SET output_plugin_libraries = 'pgoutput', 'test_decoding', 'citus'
