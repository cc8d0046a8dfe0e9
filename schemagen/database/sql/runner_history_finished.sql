-- A no-transaction up migration finished every step.
UPDATE schemagen.schema_migrations
SET applied_at = now(), in_progress = NULL, steps_done = NULL
WHERE version = %(version)s
