-- Every recorded migration, oldest first.
SELECT version, name, checksum, applied_at, in_progress, steps_done
FROM schemagen.schema_migrations
ORDER BY version
