-- A no-transaction up migration starts: its row says how far it got. On a resume the row is already
-- there and keeps its count.
INSERT INTO schemagen.schema_migrations (version, name, checksum, applied_at, in_progress, steps_done)
VALUES (%(version)s, %(name)s, %(checksum)s, NULL, 'up', 0)
ON CONFLICT (version) DO NOTHING
