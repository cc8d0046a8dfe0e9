-- Record a transactional migration, inside the transaction that applied it.
INSERT INTO schemagen.schema_migrations (version, name, checksum, applied_at)
VALUES (%(version)s, %(name)s, %(checksum)s, now())
